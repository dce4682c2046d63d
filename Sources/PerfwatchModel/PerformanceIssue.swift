/// Something the analyzers found wrong, tracked until it is fixed (`performance_issues`).
public struct PerformanceIssue: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case open, acknowledged, resolved, ignored
    }

    public var id: Int64
    /// Stable identity of the finding (type + what it is about), so a pass updates, not duplicates.
    public var fingerprint: String
    /// `n_plus_one`, `slow_query`, `regression`.
    public var type: String
    public var title: String
    public var description: String
    /// What to do, with the expected gain computed from the evidence.
    public var recommendation: String
    /// `critical`, `warning` or `info`.
    public var severity: String
    public var status: Status
    public var service: String
    public var route: String
    /// Estimated time it costs, in ms per request at p95 (or per call for queries).
    public var impactMs: Double
    /// JSON object: the figures and the queries behind them.
    public var evidence: String
    public var firstSeenMs: Int64
    public var lastSeenMs: Int64
    public var resolvedMs: Int64?

    public init(
        id: Int64 = 0, fingerprint: String, type: String, title: String, description: String, recommendation: String, severity: String,
        status: Status = .open, service: String, route: String, impactMs: Double, evidence: String, firstSeenMs: Int64 = 0,
        lastSeenMs: Int64 = 0, resolvedMs: Int64? = nil
    ) {
        self.id = id
        self.fingerprint = fingerprint
        self.type = type
        self.title = title
        self.description = description
        self.recommendation = recommendation
        self.severity = severity
        self.status = status
        self.service = service
        self.route = route
        self.impactMs = impactMs
        self.evidence = evidence
        self.firstSeenMs = firstSeenMs
        self.lastSeenMs = lastSeenMs
        self.resolvedMs = resolvedMs
    }
}
