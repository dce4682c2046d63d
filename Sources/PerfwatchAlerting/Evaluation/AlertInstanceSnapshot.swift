/// A current (pending or firing) alert instance, as the API and dashboard show it.
public struct AlertInstanceSnapshot: Sendable, Codable, Hashable, Identifiable {
    /// The fingerprint; use it to acknowledge.
    public var id: String
    public var ruleName: String
    public var groupName: String
    public var state: AlertState
    /// Full labels: `alertname`, rule labels and query labels.
    public var labels: [String: String]
    /// Rendered with the latest value.
    public var annotations: [String: String]
    public var value: Double?
    public var threshold: Double
    public var severity: String
    /// When the condition started holding (pending since), unix ms.
    public var activeAt: Int64
    /// When it started firing, unix ms.
    public var firedAt: Int64?
    public var lastEvaluatedAt: Int64
    public var acknowledgement: Acknowledgement?
    /// Whether an active silence covers it: evaluated and recorded, but not sent. Set by
    /// ``marked(by:at:)`` (silences are the dispatcher's, not the evaluator's).
    public var silenced = false
    /// When the latest of those silences ends, unix ms.
    public var silencedUntil: Int64?

    /// This instance marked with the silences that cover it at `now`.
    public func marked(by silences: [Silence], at now: Int64) -> AlertInstanceSnapshot {
        var marked = self
        let covering = silences.filter { $0.silences(labels, at: now) }
        marked.silenced = !covering.isEmpty
        marked.silencedUntil = covering.map(\.endsAt).max()
        return marked
    }
}

/// How a rule's evaluations are going, for the rules API and the "evaluation failing" alert.
public struct RuleEvaluationStatus: Sendable, Codable, Hashable {
    public enum Health: String, Sendable, Codable {
        /// Not evaluated yet.
        case unknown
        case ok
        /// The query returned nothing (e.g. a metric nobody sends yet).
        case noData = "no_data"
        /// The last evaluation failed; `lastError` says why.
        case error
    }

    public var groupName: String
    public var ruleName: String
    public var health: Health
    public var lastEvaluatedAt: Int64?
    public var lastDurationMs: Double?
    public var lastError: String?
    public var pendingCount: Int
    public var firingCount: Int
}

/// Tunables of the evaluator.
public struct AlertEvaluatorConfiguration: Sendable {
    /// Base URL for `generatorURL` links (`<externalURL>/alerts?rule=<name>`).
    public var externalURL: String
    /// Upper bound for one rule's query; `nil` = the group's interval.
    public var queryTimeout: Duration?
    /// Queries of one group run this many at a time.
    public var maxConcurrentQueries: Int

    public init(externalURL: String = "http://127.0.0.1:4318", queryTimeout: Duration? = nil, maxConcurrentQueries: Int = 8) {
        self.externalURL = externalURL
        self.queryTimeout = queryTimeout
        self.maxConcurrentQueries = maxConcurrentQueries
    }
}

// Written by hand so that nil fields stay absent whichever encoder writes them
// (`encodeUnlessNil`).
extension AlertInstanceSnapshot {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(ruleName, forKey: .ruleName)
        try container.encode(groupName, forKey: .groupName)
        try container.encode(state, forKey: .state)
        try container.encode(labels, forKey: .labels)
        try container.encode(annotations, forKey: .annotations)
        try container.encodeUnlessNil(value, forKey: .value)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(severity, forKey: .severity)
        try container.encode(activeAt, forKey: .activeAt)
        try container.encodeUnlessNil(firedAt, forKey: .firedAt)
        try container.encode(lastEvaluatedAt, forKey: .lastEvaluatedAt)
        try container.encodeUnlessNil(acknowledgement, forKey: .acknowledgement)
        try container.encode(silenced, forKey: .silenced)
        try container.encodeUnlessNil(silencedUntil, forKey: .silencedUntil)
    }
}

extension RuleEvaluationStatus {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(groupName, forKey: .groupName)
        try container.encode(ruleName, forKey: .ruleName)
        try container.encode(health, forKey: .health)
        try container.encodeUnlessNil(lastEvaluatedAt, forKey: .lastEvaluatedAt)
        try container.encodeUnlessNil(lastDurationMs, forKey: .lastDurationMs)
        try container.encodeUnlessNil(lastError, forKey: .lastError)
        try container.encode(pendingCount, forKey: .pendingCount)
        try container.encode(firingCount, forKey: .firingCount)
    }
}
