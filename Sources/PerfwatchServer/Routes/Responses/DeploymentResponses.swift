import PerfwatchAnalysis
import PerfwatchModel
import PerfwatchStatistics

/// `GET /api/v1/deployments`: deploy markers in the range.
struct DeploymentList: Encodable {
    let deployments: [Deployment]
}

/// `GET /api/v1/deployments/:id/impact`: what a deploy did to each route's p95, most changed
/// first, split by verdict.
struct DeploymentImpactResponse: Encodable {
    let deployment: Deployment
    let beforeFrom: Int64?
    let afterTo: Int64?
    /// Why nothing was compared, if so.
    let note: String?
    let regressions: [RouteChange]
    let improvements: [RouteChange]
    let unchanged: [RouteChange]

    init(_ impact: ReleaseRegressionAnalyzer.DeploymentImpact, deployment: Deployment) {
        self.deployment = deployment
        beforeFrom = impact.beforeFromMs
        afterTo = impact.afterToMs
        note = impact.note
        let ordered = impact.routes.sorted { abs($0.comparison.changePct) > abs($1.comparison.changePct) }
        func changes(_ verdict: BeforeAfterComparison.Verdict) -> [RouteChange] {
            ordered.filter { $0.comparison.verdict == verdict }.map { RouteChange(route: $0.route, $0.comparison) }
        }
        regressions = changes(.regressed)
        improvements = changes(.improved)
        unchanged = changes(.noChange)
    }

    /// One route's p95 before and after (ms, 2 decimals), the change (%, 1 decimal) and the
    /// Mann–Whitney test.
    struct RouteChange: Encodable {
        let route: String
        let p95Before: Double
        let p95After: Double
        let changePct: Double
        let pValue: Double
        let probabilityAfterSlower: Double
        let requestsBefore: UInt64
        let requestsAfter: UInt64
        let verdict: String

        init(route: String, _ comparison: BeforeAfterComparison) {
            self.route = route
            p95Before = (comparison.before * 100).rounded() / 100
            p95After = (comparison.after * 100).rounded() / 100
            changePct = (comparison.changePct * 10).rounded() / 10
            pValue = comparison.pValue
            probabilityAfterSlower = (comparison.probabilityAfterSlower * 1000).rounded() / 1000
            requestsBefore = comparison.countBefore
            requestsAfter = comparison.countAfter
            verdict = comparison.verdict.rawValue
        }
    }
}
