/// A change the team made to fix a performance problem (`performance_optimizations`), and
/// once validated, what it did to the route's latency.
public struct PerformanceOptimization: Sendable, Equatable {
    public enum Verdict: String, Sendable, CaseIterable, Codable {
        case improved
        case noChange = "no_change"
        case regressed
    }

    public var id: Int64
    /// The issue it fixes, if any; an `improved` verdict resolves it.
    public var issueID: Int64?
    /// Free-form kind (`index`, `query_batching`, `cache` …).
    public var type: String
    public var description: String
    public var service: String
    public var route: String
    public var release: String
    public var createdMs: Int64
    /// When the change went live; nil while only planned.
    public var appliedMs: Int64?
    /// The validator's result once enough data exists after `appliedMs`.
    public var impact: Impact?
    /// For an edge optimization: the `EdgePolicyChange` it makes, as its wire JSON; nil for a
    /// change the team makes in its own code.
    public var policyChange: String?
    /// The edge policy version that applying it published, and the one it replaced (whose
    /// values a rollback restores for the parts the change touched).
    public var policyVersion: Int64?
    public var previousVersion: Int64?
    /// When it was rolled back (by hand or after a `regressed` validation), and why.
    public var rolledBackMs: Int64?
    public var rollbackReason: String?

    /// `planned` (recorded by a person, not live), `proposed` (an edge change or index the analysis
    /// recommends), `applied`, `validated`, `rolled_back`, `failed` (a proposed change that could not
    /// be made — an index build the database refused; `rollbackReason` says why). An edge optimization
    /// is `applied` from the moment its policy is published; `appliedMs` follows once the edges confirm it.
    public var status: String {
        if rolledBackMs != nil { return appliedMs == nil && policyVersion == nil ? "failed" : "rolled_back" }
        if impact != nil { return "validated" }
        if appliedMs != nil || policyVersion != nil { return "applied" }
        return policyChange != nil ? "proposed" : "planned"
    }

    public struct Impact: Sendable, Equatable, Codable {
        /// Route p95 (ms) in the window before and after the change.
        public var before: Double
        public var after: Double
        public var changePct: Double
        public var pValue: Double
        public var verdict: Verdict
        public var requestsBefore: Int64
        public var requestsAfter: Int64
        /// The windows compared: [beforeFrom, appliedMs) and [appliedMs, afterTo].
        public var beforeFromMs: Int64
        public var afterToMs: Int64
        public var validatedMs: Int64
        /// Errors ÷ requests before and after, and the two-proportion test's p-value; nil in
        /// impacts recorded before the error rate was compared.
        public var errorRateBefore: Double?
        public var errorRateAfter: Double?
        public var errorPValue: Double?
        /// Edge optimizations (`EdgeImpact`): body bytes sent per response (compression) and upstream
        /// requests per second (caching), each side; nil for other types and in older impacts.
        public var bytesPerResponseBefore: Double?
        public var bytesPerResponseAfter: Double?
        public var upstreamPerSecondBefore: Double?
        public var upstreamPerSecondAfter: Double?
        /// `edge_images`: what real browsers loaded (RUM, every page): image bytes per page view, LCP p75 (ms).
        public var imageBytesPerPageBefore: Double?
        public var imageBytesPerPageAfter: Double?
        public var lcpP75Before: Double?
        public var lcpP75After: Double?

        public init(
            before: Double, after: Double, changePct: Double, pValue: Double, verdict: Verdict, requestsBefore: Int64,
            requestsAfter: Int64, beforeFromMs: Int64, afterToMs: Int64, validatedMs: Int64
        ) {
            self.before = before
            self.after = after
            self.changePct = changePct
            self.pValue = pValue
            self.verdict = verdict
            self.requestsBefore = requestsBefore
            self.requestsAfter = requestsAfter
            self.beforeFromMs = beforeFromMs
            self.afterToMs = afterToMs
            self.validatedMs = validatedMs
        }
    }

    public init(
        id: Int64 = 0, issueID: Int64? = nil, type: String, description: String, service: String, route: String, release: String = "",
        createdMs: Int64 = 0, appliedMs: Int64? = nil, impact: Impact? = nil, policyChange: String? = nil
    ) {
        self.id = id
        self.issueID = issueID
        self.type = type
        self.description = description
        self.service = service
        self.route = route
        self.release = release
        self.createdMs = createdMs
        self.appliedMs = appliedMs
        self.impact = impact
        self.policyChange = policyChange
    }
}
