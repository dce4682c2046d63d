// Issue 21: what the advisor is given besides the database — Perfwatch's own view of each SQL
// fingerprint (from spans) and the settings of a pass.

/// What Perfwatch's spans say about one SQL fingerprint.
public struct FingerprintUsage: Sendable, Equatable {
    /// `SQLFingerprint.fingerprint(ofNormalized:)` of the span's statement.
    public var fingerprint: String
    /// A recent real sample, literals included where the app sent them (used to EXPLAIN).
    public var statement: String
    public var routes: [RouteUse]

    public init(fingerprint: String, statement: String, routes: [RouteUse]) {
        self.fingerprint = fingerprint
        self.statement = statement
        self.routes = routes
    }
}

/// One route that runs a fingerprint, and how much of the route's time it is.
public struct RouteUse: Sendable, Equatable, Codable {
    public var service: String
    public var route: String
    public var callsPerRequest: Double
    /// The fingerprint's share of the route's p95 (0…1).
    public var shareOfP95: Double
    public var p95Ms: Double

    public init(service: String, route: String, callsPerRequest: Double, shareOfP95: Double, p95Ms: Double) {
        self.service = service
        self.route = route
        self.callsPerRequest = callsPerRequest
        self.shareOfP95 = shareOfP95
        self.p95Ms = p95Ms
    }
}

public struct DatabaseAdvisorSettings: Sendable, Equatable {
    /// `EXPLAIN ANALYZE` runs the statement: only when the configuration says so.
    public var allowAnalyze: Bool
    /// How many `pg_stat_statements` rows (most total time first) a pass reads…
    public var statementLimit: Int
    /// …in pages of this many rows.
    public var pageSize: Int
    /// The slowest statements explained (and tried with hypothetical indexes) per pass.
    public var explainLimit: Int
    /// Dexter's rule: suggest an index only when the planner's cost with it is below this
    /// fraction of the cost without.
    public var costRatio: Double
    /// An index scanned fewer times than this since the stats reset counts as unused.
    public var unusedScanThreshold: Int64
    /// Most concurrent database calls Perfwatch observed in traces (pool advice); nil = unknown.
    public var peakConcurrency: Int?

    public init(
        allowAnalyze: Bool = false, statementLimit: Int = 500, pageSize: Int = 500, explainLimit: Int = 20, costRatio: Double = 0.5,
        unusedScanThreshold: Int64 = 50, peakConcurrency: Int? = nil
    ) {
        self.allowAnalyze = allowAnalyze
        self.statementLimit = statementLimit
        self.pageSize = pageSize
        self.explainLimit = explainLimit
        self.costRatio = costRatio
        self.unusedScanThreshold = unusedScanThreshold
        self.peakConcurrency = peakConcurrency
    }
}
