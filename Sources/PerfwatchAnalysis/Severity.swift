/// How urgent an issue is (`PerformanceIssue.severity`). Each analyzer judges how far from
/// normal its finding is with its own thresholds; the rules here then hold that judgement to
/// what the finding costs users, the same way for every analyzer (issue 15 #11: six "critical"
/// anomalies and a "critical" cache issue, each "saves ≈ 0 ms", when the demo stopped).
enum Severity: String, Comparable, Sendable {
    case info, warning, critical

    /// A latency impact under this reads "saves ≈ 0 ms" (the dashboard shows tenths below
    /// 10 ms): fixing the finding gains users nothing measurable, so it is only worth knowing.
    static let negligibleImpactMs = 1.0

    /// Traffic to a route that fell to at most this share of its normal counts as stopped.
    static let stoppedTrafficShare = 0.1

    /// `judged` held to a latency impact (`impactMs`, what fixing the finding saves per
    /// request or call): a negligible one is at most `info`, so it is never critical.
    static func forImpact(_ judged: Severity, impactMs: Double) -> String {
        (impactMs < negligibleImpactMs ? min(judged, .info) : judged).rawValue
    }

    /// A throughput anomaly: traffic that stopped (a demo or load test ending, a client gone
    /// quiet) is worth knowing, not a performance emergency, so at most `info`; any other
    /// surge or drop keeps the analyzer's judgement (its latency or errors, if any, are issues
    /// of their own with their own impact).
    static func forThroughput(_ judged: Severity, stopped: Bool) -> String {
        (stopped ? min(judged, .info) : judged).rawValue
    }

    static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.order < rhs.order }

    private var order: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }
}
