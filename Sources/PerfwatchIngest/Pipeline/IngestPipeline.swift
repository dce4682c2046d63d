public import Logging
public import PerfwatchModel
public import PerfwatchStorage
public import ServiceLifecycle
import Synchronization

/// Group commit: requests wait here until their points are durable; one writer drains
/// everything that queued up meanwhile into a single transaction.
///
/// The queue is bounded by points; beyond it `submit` fails fast with `overloaded`
/// (answered as 503 + Retry-After) instead of letting memory grow.
///
/// Submitting needs no hop onto the actor: the queue sits behind a lock, so an event loop can
/// submit with a completion callback (`submit(_:completion:)`) as cheaply as a task can await.
public actor IngestPipeline: Service {
    public struct Configuration: Sendable {
        /// Points waiting for a commit before new requests are refused.
        public var maxQueuedPoints: Int
        /// Largest number of points written in one transaction.
        public var maxPointsPerCommit: Int

        public init(maxQueuedPoints: Int = 500_000, maxPointsPerCommit: Int = 200_000) {
            self.maxQueuedPoints = maxQueuedPoints
            self.maxPointsPerCommit = maxPointsPerCommit
        }
    }

    /// Result for one submitter: indexes are positions in the submitted array.
    public struct Receipt: Sendable {
        public var stored: Int
        public var kindConflicts: [Int]
    }

    public typealias Completion = @Sendable (Result<Receipt, any Error>) -> Void

    private struct Pending {
        let payload: IngestPayload
        /// `payload.weight`, computed once at submit.
        let weight: Int
        let completion: Completion
    }

    /// What submitters and the committing actor share.
    private struct Inbox {
        var pending: [Pending] = []
        var queuedPoints = 0
        var isShutDown = false
    }

    private let store: any MetricStore
    private let spanStore: (any SpanStore)?
    private let configuration: Configuration
    private let statistics: IngestStatistics
    private let broadcaster: CommitBroadcaster
    private let logger: Logger
    /// Told of every committed payload and the indexes of its points the store refused (kind
    /// conflicts): forwarding out. Must return at once.
    private let observer: (@Sendable (IngestPayload, _ refused: [Int]) -> Void)?
    private let inbox = Mutex(Inbox())
    private var commitsSinceTick = 0
    private let wakeups: AsyncStream<Void>
    private let wakeupContinuation: AsyncStream<Void>.Continuation

    public init(
        store: any MetricStore, spanStore: (any SpanStore)? = nil, configuration: Configuration = Configuration(),
        statistics: IngestStatistics, broadcaster: CommitBroadcaster, logger: Logger,
        observer: (@Sendable (IngestPayload, _ refused: [Int]) -> Void)? = nil
    ) {
        self.observer = observer
        self.store = store
        self.spanStore = spanStore
        self.configuration = configuration
        self.statistics = statistics
        self.broadcaster = broadcaster
        self.logger = logger
        (wakeups, wakeupContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    public nonisolated var isOverloaded: Bool {
        inbox.withLock { $0.queuedPoints >= configuration.maxQueuedPoints / 2 }
    }

    /// Returns once `points` are committed to disk.
    public nonisolated func submit(_ points: PointBatch) async throws -> Receipt {
        try await submit(IngestPayload(points: points))
    }

    /// Returns once `payload` (points and spans) is committed to disk.
    public nonisolated func submit(_ payload: IngestPayload) async throws -> Receipt {
        try await withCheckedThrowingContinuation { continuation in
            submit(payload) { continuation.resume(with: $0) }
        }
    }

    /// Calls `completion` once `payload` is committed to disk, or at once when it is refused
    /// (shutting down, queue full). `completion` runs on the committing task: keep it short.
    public nonisolated func submit(_ payload: IngestPayload, completion: @escaping Completion) {
        guard !payload.isEmpty else { return completion(.success(Receipt(stored: 0, kindConflicts: []))) }
        let weight = payload.weight
        let refusal: PerfwatchError? = inbox.withLock { inbox in
            guard !inbox.isShutDown else { return PerfwatchError(.unavailable, "server is shutting down") }
            guard inbox.queuedPoints + weight <= configuration.maxQueuedPoints || inbox.queuedPoints == 0 else {
                return PerfwatchError(.overloaded, "ingest queue is full (\(inbox.queuedPoints) points waiting); retry shortly")
            }
            inbox.pending.append(Pending(payload: payload, weight: weight, completion: completion))
            inbox.queuedPoints += weight
            statistics.setQueueDepth(inbox.queuedPoints)
            return nil
        }
        if let refusal {
            if refusal.code == .overloaded { statistics.recordOverload() }
            return completion(.failure(refusal))
        }
        wakeupContinuation.yield()
    }

    public func run() async throws {
        await recoverDerivedMetrics()
        // Span-derived metrics held back by busy commits are written within a second of ingest
        // going quiet (queries flush them at once anyway). While commits keep coming, each
        // commit decides (the store holds metrics for a few seconds at most): flushing every
        // second regardless rewrote every hot sketch bucket once a second.
        let flusher = Task { [store, logger] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard self.takeCommitCount() == 0 else { continue }
                do {
                    try await store.flushDeferred()
                } catch is CancellationError {
                    return  // shutting down: the final flush below writes what is held
                } catch {
                    logger.error("flushing derived metrics failed", metadata: ["error": "\(error)"])
                }
            }
        }
        await withGracefulShutdownHandler {
            for await _ in wakeups {
                await drain()
            }
        } onGracefulShutdown: {
            Task { await self.beginShutdown() }
        }
        // Whatever arrived before shutdown is still committed.
        await drain()
        flusher.cancel()
        do { try await store.flushDeferred() } catch { logger.error("flushing derived metrics failed", metadata: ["error": "\(error)"]) }
        logger.info("ingest pipeline stopped", metadata: ["committed_on_shutdown": "\(inbox.withLock { $0.queuedPoints } == 0)"])
    }

    /// After a crash, spans whose derived metrics were still held back are derived again.
    private func recoverDerivedMetrics() async {
        guard let spanStore else { return }
        do {
            var spans = try await spanStore.spansPendingDerivation()
            guard !spans.isEmpty else { return }
            let derived = SpanDerivations.derive(from: &spans)
            _ = try await store.append(IngestPayload(derived: derived.points, statements: derived.statements))
            logger.info("derived metrics recovered", metadata: ["spans": "\(spans.count)"])
        } catch {
            logger.error("recovering derived metrics failed", metadata: ["error": "\(error)"])
        }
    }

    /// Commits since the last call (the flusher's test for "ingest went quiet").
    private func takeCommitCount() -> Int {
        defer { commitsSinceTick = 0 }
        return commitsSinceTick
    }

    private func beginShutdown() {
        // Under the lock: whatever was accepted before this is seen by the final drain.
        inbox.withLock { $0.isShutDown = true }
        wakeupContinuation.finish()
    }

    private func drain() async {
        while true {
            let (batch, count) = inbox.withLock { inbox -> ([Pending], Int) in
                var count = 0
                var taken = 0
                for next in inbox.pending {
                    guard taken == 0 || count + next.weight <= configuration.maxPointsPerCommit else { break }
                    count += next.weight
                    taken += 1
                }
                let batch = Array(inbox.pending.prefix(taken))
                inbox.pending.removeFirst(taken)
                return (batch, count)
            }
            guard !batch.isEmpty else { return }
            await commit(batch, pointCount: count)
            inbox.withLock { inbox in
                inbox.queuedPoints -= count
                statistics.setQueueDepth(inbox.queuedPoints)
            }
        }
    }

    private func commit(_ batch: [Pending], pointCount: Int) async {
        var all = batch[0].payload
        if batch.count > 1 {
            all.points.reserveCapacity(entries: pointCount)
            // Beacons' metrics are merged by series (see `IngestPayload.append`).
            for entry in batch.dropFirst() { all.append(contentsOf: entry.payload) }
        }
        let clock = ContinuousClock()
        let started = clock.now
        commitsSinceTick += 1
        do {
            let outcome = try await store.append(all, deferDerived: true)
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            statistics.recordCommit(samples: outcome.stored, spans: all.spanCount, seconds: seconds)
            if !outcome.kindConflicts.isEmpty { statistics.recordRejections(outcome.kindConflicts.map { _ in "kind_conflict" }) }
            var offset = 0
            var conflictIndex = 0
            let conflicts = outcome.kindConflicts
            // The merged payload names every metric of the batch, with beacons' series merged.
            var metrics: Set<String> = []
            for series in all.points.series { metrics.insert(series.key.metric) }
            for series in all.derived.series { metrics.insert(series.key.metric) }
            for series in all.journaledDerived.series { metrics.insert(series.key.metric) }
            for entry in batch {
                var mine: [Int] = []
                while conflictIndex < conflicts.count && conflicts[conflictIndex] < offset + entry.payload.points.count {
                    mine.append(conflicts[conflictIndex] - offset)
                    conflictIndex += 1
                }
                entry.completion(.success(Receipt(stored: entry.payload.points.count - mine.count, kindConflicts: mine)))
                offset += entry.payload.points.count
            }
            broadcaster.publish(
                CommitEvent(timeMs: TimeParsing.nowMs(), metrics: metrics, samples: outcome.stored, spans: all.spanCount))
            // Every ingest path commits here, so this is the one place forwarding hears of what was stored.
            observer?(all, conflicts)
        } catch {
            statistics.recordCommitFailure()
            logger.error("commit failed", metadata: ["error": "\(error)", "points": "\(pointCount)"])
            let failure = PerfwatchError(.unavailable, "storage commit failed: \(error)")
            for entry in batch { entry.completion(.failure(failure)) }
        }
    }
}
