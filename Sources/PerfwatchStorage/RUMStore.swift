public import PerfwatchModel

/// Occurrences of one browser error, grouped by fingerprint.
/// Encodable as `GET /api/v1/errors` lists it (`firstSeen`, `lastSeen`).
public struct RUMErrorGroup: Sendable, Encodable {
    public var fingerprint: String
    public var kind: String
    public var message: String
    public var source: String
    public var line: Int
    public var column: Int
    public var stack: String
    public var count: Int
    public var pages: [String]
    public var firstSeenMs: Int64
    public var lastSeenMs: Int64

    enum CodingKeys: String, CodingKey {
        case fingerprint, message, kind, source, line, column, stack, count, pages
        case firstSeenMs = "firstSeen", lastSeenMs = "lastSeen"
    }

    public init(
        fingerprint: String, kind: String, message: String, source: String, line: Int, column: Int, stack: String, count: Int,
        pages: [String], firstSeenMs: Int64, lastSeenMs: Int64
    ) {
        self.fingerprint = fingerprint
        self.kind = kind
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.stack = stack
        self.count = count
        self.pages = pages
        self.firstSeenMs = firstSeenMs
        self.lastSeenMs = lastSeenMs
    }
}

/// Reads of real-user monitoring records (writes go through `MetricStore.append`).
public protocol RUMStore: Sendable {
    /// Error groups seen in `[from, to]` (receive time), most frequent first.
    func rumErrorGroups(from: Int64, to: Int64, limit: Int) async throws -> [RUMErrorGroup]
    /// Journeys started in `[from, to]`.
    func rumJourneys(from: Int64, to: Int64) async throws -> [RUMJourney]
    /// Marks journeys still open with no update for `multiple` × their target (or
    /// `defaultTargetMs` when they have none) as abandoned at their last step; returns how many.
    func closeStaleJourneys(nowMs: Int64, multiple: Double, defaultTargetMs: Double) async throws -> Int
}
