public import PerfwatchModel

/// Which traces to list.
public struct TraceQuery: Sendable {
    public enum Order: String, Sendable { case duration, time }

    public var from: Int64
    public var to: Int64
    public var service: String?
    public var route: String?
    public var errorsOnly = false
    public var minDurationMs: Double?
    public var limit = 50
    /// The largest `minDurationMs` a caller may ask for: a year, far past any span and far
    /// inside what nanoseconds in an Int64 can hold.
    public static let maxMinDurationMs = 365.0 * 86_400_000
    public var order = Order.time

    public init(from: Int64, to: Int64) {
        self.from = from
        self.to = to
    }
}

/// A trace as one line of a list: its entry span (the root, or a service's SERVER span when
/// filtering by service or route), its size, and whether any of its spans failed.
public struct TraceSummary: Sendable {
    public var traceID: String
    public var service: String
    public var name: String
    public var route: String
    public var startMs: Double
    public var durationMs: Double
    public var spanCount: Int
    public var isError: Bool
}

/// Span reads (the Storage API for traces). Writes go through `MetricStore.append`.
public protocol SpanStore: Sendable {
    func traceSummaries(_ query: TraceQuery) async throws -> [TraceSummary]
    /// Every span of the trace, ordered by start time; empty when unknown.
    func trace(id: String) async throws -> [Span]
    /// Normalized statement text per fingerprint.
    func statements(fingerprints: [String]) async throws -> [String: String]
    /// Spans whose derived metrics were deferred and not yet written when the server stopped
    /// (a crash); the pipeline derives them again at start.
    func spansPendingDerivation() async throws -> [Span]
}
