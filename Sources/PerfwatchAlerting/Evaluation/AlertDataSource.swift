/// One label set of a query result and its value (`nil` = no data for it).
public struct AlertSample: Sendable, Hashable {
    public var labels: [String: String]
    public var value: Double?
    /// What some labels stand for, for messages only: e.g. `statement` for a query's
    /// `fingerprint` (a hash nobody can read). Templates read them as `$labels.NAME`, but they
    /// are not labels: they neither identify the instance nor route it.
    public var details: [String: String]
    public init(labels: [String: String], value: Double?, details: [String: String] = [:]) {
        self.labels = labels
        self.value = value
        self.details = details
    }
}

/// Answers alert queries; the server implements it over the query engine.
///
/// Return one sample per distinct combination of `query.by` labels present in the
/// window `[timeMs - query.window, timeMs]`, with those labels only (and any `details` that
/// say what they stand for). An unknown metric
/// returns `[]` (the rule then follows its `no_data` policy). `query.ratioTo` is always
/// `nil` here: the evaluator computes ratios from two single-metric queries.
public protocol AlertDataSource: Sendable {
    func values(for query: AlertQuery, at timeMs: Int64) async throws -> [AlertSample]
}

/// Where state transitions go for the alert history (the server stores them).
public protocol AlertHistorySink: Sendable {
    func record(_ events: [AlertHistoryEvent]) async
}

/// One line of alert history: a transition or an acknowledgement of one instance.
public struct AlertHistoryEvent: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable {
        case pending, firing, resolved
        /// pending → inactive before `for` elapsed.
        case cancelled
        case acknowledged
    }

    public var kind: Kind
    /// The instance's fingerprint (stable per rule + labels).
    public var alertID: String
    public var ruleName: String
    public var groupName: String
    /// Full labels: `alertname`, rule labels and query labels.
    public var labels: [String: String]
    public var severity: String
    /// The rendered `summary` annotation.
    public var message: String
    public var annotations: [String: String]
    public var threshold: Double
    public var value: Double?
    /// When the condition started holding, unix ms.
    public var activeAt: Int64
    public var firedAt: Int64?
    public var resolvedAt: Int64?
    public var acknowledgedBy: String?
    public var acknowledgedAt: Int64?
    /// When this event happened, unix ms.
    public var at: Int64
    /// Whether an active silence covered the alert (it was recorded but not sent).
    public var silenced: Bool
}

// Written by hand so that nil fields stay absent (the alert stream's events have always left
// them out) whichever encoder writes them.
extension AlertHistoryEvent {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(alertID, forKey: .alertID)
        try container.encode(ruleName, forKey: .ruleName)
        try container.encode(groupName, forKey: .groupName)
        try container.encode(labels, forKey: .labels)
        try container.encode(severity, forKey: .severity)
        try container.encode(message, forKey: .message)
        try container.encode(annotations, forKey: .annotations)
        try container.encode(threshold, forKey: .threshold)
        try container.encodeUnlessNil(value, forKey: .value)
        try container.encode(activeAt, forKey: .activeAt)
        try container.encodeUnlessNil(firedAt, forKey: .firedAt)
        try container.encodeUnlessNil(resolvedAt, forKey: .resolvedAt)
        try container.encodeUnlessNil(acknowledgedBy, forKey: .acknowledgedBy)
        try container.encodeUnlessNil(acknowledgedAt, forKey: .acknowledgedAt)
        try container.encode(at, forKey: .at)
        try container.encode(silenced, forKey: .silenced)
    }
}

/// Keeps history in memory (tests, and a server without storage).
public actor InMemoryAlertHistory: AlertHistorySink {
    public private(set) var events: [AlertHistoryEvent] = []
    public init() {}
    public func record(_ events: [AlertHistoryEvent]) {
        self.events += events
    }
}
