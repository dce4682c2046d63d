public import PerfwatchModel
public import PerfwatchQuery
public import PerfwatchStatistics
public import PerfwatchStorage

/// Regressions after deploys: for each deploy marker in the window, per route of its service,
/// the requests of the window just before against the window just after, with the
/// Mann–Whitney U test over the sketch bins of `http.server.duration` and the p95 change
/// (`BeforeAfterComparison`, the same test that validates optimizations).
///
/// The two windows have the same length: up to `maxWindowMs` (1 h) each side, cut short so
/// neither crosses another deploy of the service nor the present. A route is compared when
/// each side has `minRequests` (30) requests. A regression (p < `alpha` = 0.01, p95 up by
/// `minChange` = 20 %, ranks agreeing) becomes a `regression` issue with its root cause
/// (`RootCauseAnalysis`); improvements are listed in the deploy's impact
/// (`GET /api/v1/deployments/{id}/impact`), not as issues. Markers come from
/// `POST /api/v1/deployments` and from `DeploymentDetector`, which this analyzer runs first.
///
/// Limits: the comparison is by time, so a rolling or canary deploy mixes releases in the
/// "after" window and dilutes the change; traffic that changed shape at deploy time (a
/// different mix of requests on one route) reads as a latency change; a regression is
/// reported while its deploy lies in the analysis window (1 h by default) and then resolves
/// after the configured clean passes, unless a person changed its status.
public struct ReleaseRegressionAnalyzer: Analyzer {
    public struct Configuration: Sendable {
        public var maxWindowMs: Int64 = 3_600_000
        /// Shorter before/after windows are not compared (too little to judge).
        public var minWindowMs: Int64 = 2 * 60_000
        public var minRequests: UInt64 = 30
        public var alpha = 0.01
        public var minChange = 0.20

        public init() {}
    }

    /// One route's before/after comparison around a deploy.
    public struct RouteChange: Sendable {
        public var route: String
        public var comparison: BeforeAfterComparison
    }

    /// What one deploy did: the windows compared and every route's change.
    public struct DeploymentImpact: Sendable {
        public var deployment: Deployment
        /// [beforeFrom, deployment time) and [deployment time, afterTo]; nil when the windows are
        /// too short (another deploy or the present too close).
        public var beforeFromMs: Int64?
        public var afterToMs: Int64?
        public var routes: [RouteChange]
        /// Why nothing was compared, if so.
        public var note: String?
    }

    public var configuration: Configuration
    let engine: QueryEngine
    let deployments: any DeploymentStore
    let detector: DeploymentDetector?
    let rootCause: RootCauseAnalysis

    public init(
        engine: QueryEngine, deployments: any DeploymentStore, detector: DeploymentDetector?,
        statements: @escaping @Sendable ([String]) async throws -> [String: String], configuration: Configuration = Configuration()
    ) {
        self.engine = engine
        self.deployments = deployments
        self.detector = detector
        self.rootCause = RootCauseAnalysis(engine: engine, statements: statements)
        self.configuration = configuration
    }

    public var types: Set<String> { ["regression"] }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        try await detector?.detect(from: context.from, to: context.to, nowMs: context.nowMs)
        var findings: [PerformanceIssue] = []
        for deployment in try await deployments.deployments(service: nil, from: context.from, to: context.to, limit: 1000) {
            let impact = try await impact(of: deployment, nowMs: context.nowMs)
            guard let beforeFrom = impact.beforeFromMs, let afterTo = impact.afterToMs else { continue }
            for change in impact.routes where change.comparison.verdict == .regressed {
                let explanation = try await rootCause.explain(
                    service: deployment.service, route: change.route, before: beforeFrom...(deployment.timeMs - 1),
                    after: deployment.timeMs...afterTo, nowMs: context.nowMs)
                findings.append(
                    RegressionReport.issue(
                        deployment: deployment, route: change.route, comparison: change.comparison, explanation: explanation,
                        beforeFromMs: beforeFrom, afterToMs: afterTo))
            }
        }
        return findings
    }

    /// Compares every route of the deploy's service before and after it.
    public func impact(of deployment: Deployment, nowMs: Int64) async throws -> DeploymentImpact {
        let t = deployment.timeMs
        let neighbours = try await deployments.deployments(
            service: deployment.service, from: t - configuration.maxWindowMs, to: t + configuration.maxWindowMs, limit: 1000)
        var previous = t - configuration.maxWindowMs
        var next = min(t + configuration.maxWindowMs, nowMs)
        for other in neighbours where other.id != deployment.id {
            if other.timeMs < t || (other.timeMs == t && other.id < deployment.id) { previous = max(previous, other.timeMs) }
            if other.timeMs > t { next = min(next, other.timeMs - 1) }
        }
        let length = min(t - previous, next - t)
        var impact = DeploymentImpact(deployment: deployment, beforeFromMs: nil, afterToMs: nil, routes: [], note: nil)
        guard length >= configuration.minWindowMs else {
            impact.note = "not compared: only \(max(0, length) / 60_000) min of data on one side before another deploy or now (at least \(configuration.minWindowMs / 60_000) min needed)"
            return impact
        }
        impact.beforeFromMs = t - length
        impact.afterToMs = t + length
        let filters = [TagFilter(key: "service", value: deployment.service)]
        let before = try await engine.sketches("http.server.duration", by: ["route"], filters: filters, from: t - length, to: t - 1, nowMs: nowMs)
        let after = try await engine.sketches("http.server.duration", by: ["route"], filters: filters, from: t, to: t + length, nowMs: nowMs)
        for (labels, old) in before.sorted(by: { ($0.key["route"] ?? "") < ($1.key["route"] ?? "") }) {
            guard let route = labels["route"], !route.isEmpty, let new = after[labels],
                old.count >= configuration.minRequests, new.count >= configuration.minRequests,
                let comparison = BeforeAfterComparison.compare(
                    before: old.bins, after: new.bins, alpha: configuration.alpha, minChange: configuration.minChange)
            else { continue }
            impact.routes.append(RouteChange(route: route, comparison: comparison))
        }
        return impact
    }
}
