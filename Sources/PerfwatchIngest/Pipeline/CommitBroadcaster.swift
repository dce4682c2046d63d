import Synchronization

/// What was just made durable; the dashboard's live stream is built on these.
public struct CommitEvent: Sendable {
    public var timeMs: Int64
    public var metrics: Set<String>
    public var samples: Int
    public var spans: Int
}

/// Fans commit events out to any number of subscribers (SSE connections). A slow subscriber
/// only ever holds the newest event, so it cannot make the pipeline wait.
public final class CommitBroadcaster: Sendable {
    private let subscribers = Mutex([Int: AsyncStream<CommitEvent>.Continuation]())
    private let nextID = Atomic<Int>(0)

    public init() {}

    public func subscribe() -> AsyncStream<CommitEvent> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<CommitEvent>.makeStream(bufferingPolicy: .bufferingNewest(8))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    func publish(_ event: CommitEvent) {
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets { continuation.yield(event) }
    }

    /// Ends every stream (graceful shutdown).
    public func finishAll() {
        let targets = subscribers.withLock { state -> [AsyncStream<CommitEvent>.Continuation] in
            defer { state.removeAll() }
            return Array(state.values)
        }
        for continuation in targets { continuation.finish() }
    }
}
