public import PerfwatchAlerting
internal import Synchronization

/// An ``AlertDataSource`` answering from values tests set per metric, with failures and
/// hangs on demand.
public final class InMemoryAlertDataSource: AlertDataSource, Sendable {
    private struct State {
        var samples: [String: [AlertSample]] = [:]
        var failing: [String: String] = [:]
        var hanging: Set<String> = []
        var queries: [AlertQuery] = []
        var recordQueries = true
    }

    private let state = Mutex(State())

    public init(recordQueries: Bool = true) {
        state.withLock { $0.recordQueries = recordQueries }
    }

    /// The samples any query on `metric` returns (whatever its stat and window).
    public func set(_ metric: String, _ samples: [AlertSample]) {
        state.withLock { $0.samples[metric] = samples }
    }

    /// One sample per label set.
    public func set(_ metric: String, _ values: [([String: String], Double?)]) {
        set(metric, values.map { AlertSample(labels: $0.0, value: $0.1) })
    }

    /// Queries on `metric` throw `message` (nil to stop failing).
    public func fail(_ metric: String, with message: String?) {
        state.withLock { $0.failing[metric] = message }
    }

    /// Queries on `metric` never return (until cancelled).
    public func hang(_ metric: String, _ hanging: Bool = true) {
        state.withLock { if hanging { $0.hanging.insert(metric) } else { $0.hanging.remove(metric) } }
    }

    /// Every query asked so far.
    public var queries: [AlertQuery] { state.withLock { $0.queries } }

    public func values(for query: AlertQuery, at timeMs: Int64) async throws -> [AlertSample] {
        let (samples, failure, hangs) = state.withLock { state in
            if state.recordQueries { state.queries.append(query) }
            return (state.samples[query.metric] ?? [], state.failing[query.metric], state.hanging.contains(query.metric))
        }
        if hangs {
            // Never returns and ignores cancellation, like a stuck database call (a
            // continuation nobody resumes: no CPU, unlike a loop of cancelled sleeps).
            await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
        }
        if let failure { throw AlertingError(code: "query_failed", message: failure) }
        return samples
    }
}

/// Records every notification it is asked to send; can fail on demand.
public final class RecordingNotifier: Notifier, Sendable {
    private let state = Mutex<(sent: [AlertNotification], failures: Int)>(([], 0))

    public init() {}

    /// The next `count` sends throw.
    public func failNext(_ count: Int) { state.withLock { $0.failures = count } }

    public var sent: [AlertNotification] { state.withLock { $0.sent } }

    public func send(_ notification: AlertNotification) async throws {
        let fail = state.withLock { state -> Bool in
            if state.failures > 0 {
                state.failures -= 1
                return true
            }
            state.sent.append(notification)
            return false
        }
        if fail { throw AlertingError(code: "test_failure", message: "injected failure") }
    }
}
