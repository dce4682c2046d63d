import PerfwatchModel

/// One optimization as the API writes it: `status` is `planned`, `proposed` (an edge change or index the
/// analysis recommends), `applied`, `validated`, `rolled_back` or `failed`; `impact` is the validator's
/// before/after (snake_case keys, as first published). The edge fields (issue 16) are snake_case too.
struct OptimizationBody: Encodable {
    let id: Int64
    let issueId: Int64?
    let type: String
    let description: String
    let service: String
    let route: String
    let release: String
    let createdAt: Int64
    let appliedAt: Int64?
    let status: String
    let impact: Impact?
    /// The `EdgePolicyChange` it makes (wire JSON), or null for a change made in the app's code.
    let policyChange: EmbeddedJSON?
    let policyVersion: Int64?
    let previousVersion: Int64?
    let rolledBackAt: Int64?
    let rollbackReason: String?

    enum CodingKeys: String, CodingKey {
        case id, issueId, type, description, service, route, release, createdAt, appliedAt, status, impact
        case policyChange = "policy_change", policyVersion = "policy_version", previousVersion = "previous_version"
        case rolledBackAt = "rolled_back_at", rollbackReason = "rollback_reason"
    }

    init(_ optimization: PerformanceOptimization) {
        id = optimization.id
        issueId = optimization.issueID
        type = optimization.type
        description = optimization.description
        service = optimization.service
        route = optimization.route
        release = optimization.release
        createdAt = optimization.createdMs
        appliedAt = optimization.appliedMs
        status = optimization.status
        impact = optimization.impact.map(Impact.init)
        policyChange = optimization.policyChange.map { EmbeddedJSON(text: $0) }
        policyVersion = optimization.policyVersion
        previousVersion = optimization.previousVersion
        rolledBackAt = optimization.rolledBackMs
        rollbackReason = optimization.rollbackReason
    }

    /// p95 before and after in ms (2 decimals), the change in % (1 decimal).
    struct Impact: Encodable {
        let before: Double
        let after: Double
        let changePct: Double
        let pValue: Double
        let verdict: PerformanceOptimization.Verdict
        let requestsBefore: Int64
        let requestsAfter: Int64
        let beforeFrom: Int64
        let afterTo: Int64
        let validatedAt: Int64
        /// Errors ÷ requests (0–1) each side and the test's p-value; null in impacts recorded before
        /// the error rate was compared.
        let errorRateBefore: Double?
        let errorRateAfter: Double?
        let errorPValue: Double?
        /// Edge optimizations: bytes per response (compression), upstream requests per second (caching).
        let bytesPerResponseBefore: Double?
        let bytesPerResponseAfter: Double?
        let upstreamPerSecondBefore: Double?
        let upstreamPerSecondAfter: Double?
        /// Image optimizations: what real browsers loaded (RUM): image bytes per page view, LCP p75 (ms).
        let imageBytesPerPageBefore: Double?
        let imageBytesPerPageAfter: Double?
        let lcpP75Before: Double?
        let lcpP75After: Double?

        enum CodingKeys: String, CodingKey {
            case before, after, changePct = "change_pct", pValue = "p_value", verdict, requestsBefore = "requests_before"
            case requestsAfter = "requests_after", beforeFrom = "before_from", afterTo = "after_to", validatedAt = "validated_at"
            case errorRateBefore = "error_rate_before", errorRateAfter = "error_rate_after", errorPValue = "error_p_value"
            case bytesPerResponseBefore = "bytes_per_response_before", bytesPerResponseAfter = "bytes_per_response_after"
            case upstreamPerSecondBefore = "upstream_rps_before", upstreamPerSecondAfter = "upstream_rps_after"
            case imageBytesPerPageBefore = "image_bytes_per_page_before", imageBytesPerPageAfter = "image_bytes_per_page_after"
            case lcpP75Before = "lcp_p75_before", lcpP75After = "lcp_p75_after"
        }

        init(_ impact: PerformanceOptimization.Impact) {
            before = (impact.before * 100).rounded() / 100
            after = (impact.after * 100).rounded() / 100
            changePct = (impact.changePct * 10).rounded() / 10
            pValue = impact.pValue
            verdict = impact.verdict
            requestsBefore = impact.requestsBefore
            requestsAfter = impact.requestsAfter
            beforeFrom = impact.beforeFromMs
            afterTo = impact.afterToMs
            validatedAt = impact.validatedMs
            errorRateBefore = impact.errorRateBefore
            errorRateAfter = impact.errorRateAfter
            errorPValue = impact.errorPValue
            bytesPerResponseBefore = impact.bytesPerResponseBefore.map { $0.rounded() }
            bytesPerResponseAfter = impact.bytesPerResponseAfter.map { $0.rounded() }
            upstreamPerSecondBefore = impact.upstreamPerSecondBefore.map { ($0 * 100).rounded() / 100 }
            upstreamPerSecondAfter = impact.upstreamPerSecondAfter.map { ($0 * 100).rounded() / 100 }
            imageBytesPerPageBefore = impact.imageBytesPerPageBefore.map { $0.rounded() }
            imageBytesPerPageAfter = impact.imageBytesPerPageAfter.map { $0.rounded() }
            lcpP75Before = impact.lcpP75Before.map { $0.rounded() }
            lcpP75After = impact.lcpP75After.map { $0.rounded() }
        }
    }
}

/// `GET /api/v1/optimizations`: every optimization and the success rate of the applied ones.
struct OptimizationList: Encodable {
    let optimizations: [OptimizationBody]
    let summary: Summary

    /// `successRate` is improved ÷ validated; nil before any validation.
    struct Summary: Encodable {
        let total: Int
        let applied: Int
        let validated: Int
        let improved: Int
        let noChange: Int
        let regressed: Int
        let successRate: Double?
    }

    init(_ optimizations: [PerformanceOptimization]) {
        self.optimizations = optimizations.map(OptimizationBody.init)
        let applied = optimizations.filter { $0.appliedMs != nil }
        let verdicts = applied.compactMap { $0.impact?.verdict }
        let improved = verdicts.filter { $0 == .improved }.count
        summary = Summary(
            total: optimizations.count, applied: applied.count, validated: verdicts.count, improved: improved,
            noChange: verdicts.filter { $0 == .noChange }.count, regressed: verdicts.filter { $0 == .regressed }.count,
            successRate: verdicts.isEmpty ? nil : Double(improved) / Double(verdicts.count))
    }
}
