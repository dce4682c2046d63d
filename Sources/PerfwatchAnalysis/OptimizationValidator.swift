public import PerfwatchModel
public import PerfwatchQuery
import Foundation
import PerfwatchStatistics
public import PerfwatchStorage

/// Measures whether an applied optimization worked: the route's requests after `appliedMs`
/// against the same length of time before it, with `BeforeAfterComparison` — the test the
/// regression analyzer uses — and records `{before, after, change_pct, p_value, verdict}`.
///
/// It waits until `minAfterMs` (15 min) have passed since the change — and at least the
/// pass's window, so the analyzers of that pass see only data from after the change and do
/// not re-find a fixed problem in older data — and the route served `minRequests` (100)
/// requests since then; it then compares up to `maxWindowMs` (1 h) each side, once (apply
/// again to re-measure). An `improved` verdict resolves the linked issue.
/// A significantly higher error rate after the change (`ErrorRateComparison`) is `regressed`
/// too, whatever p95 did. An edge optimization also records what it is for (`EdgeImpact`: bytes per
/// response for compression, upstream requests per second for caching); when p95 did not move but
/// that fell by `minChange` or more, it is `improved`. One judged `regressed` is
/// rolled back through `rollback` with the evidence as the reason.
/// It runs in every analysis pass as an analyzer that reports no issue types of its own.
/// Limits: anything else that changed in the same windows (a deploy, a traffic shift) is
/// measured with the optimization; the comparison covers the route named, not the others a
/// shared change may also have sped up.
public struct OptimizationValidator: Analyzer {
    public struct Configuration: Sendable {
        public var minAfterMs: Int64 = 15 * 60_000
        public var minRequests: UInt64 = 100
        public var maxWindowMs: Int64 = 3_600_000
        public var alpha = 0.01
        /// Smaller p95 changes are `no_change` even when significant.
        public var minChange = 0.10

        public init() {}
    }

    public var configuration: Configuration
    let engine: QueryEngine
    let optimizations: any OptimizationStore
    let issues: any IssueStore
    let rollback: (any OptimizationRollback)?

    public init(
        engine: QueryEngine, optimizations: any OptimizationStore, issues: any IssueStore, configuration: Configuration = Configuration(),
        rollback: (any OptimizationRollback)? = nil
    ) {
        self.engine = engine
        self.optimizations = optimizations
        self.issues = issues
        self.configuration = configuration
        self.rollback = rollback
    }

    public var types: Set<String> { [] }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        for optimization in try await optimizations.pendingOptimizations() {
            guard let applied = optimization.appliedMs, context.from >= applied,
                let impact = try await measure(optimization, nowMs: context.nowMs)
            else { continue }
            try await optimizations.recordImpact(id: optimization.id, impact)
            if impact.verdict == .regressed, optimization.policyChange != nil, let rollback {
                try await rollback.rollBackOptimization(optimization, reason: Self.regressionEvidence(impact), nowMs: context.nowMs)
            }
            if impact.verdict == .improved, let issueID = optimization.issueID,
                let issue = try await issues.issue(id: issueID), issue.status != .resolved
            {
                _ = try await issues.setIssueStatus(id: issueID, .resolved, nowMs: context.nowMs)
            }
        }
        return []
    }

    /// The impact, or nil while there is not enough data after the change yet.
    public func measure(_ optimization: PerformanceOptimization, nowMs: Int64) async throws -> PerformanceOptimization.Impact? {
        guard let applied = optimization.appliedMs, nowMs - applied >= configuration.minAfterMs else { return nil }
        let length = min(configuration.maxWindowMs, nowMs - applied)
        // No route (an edge's compression or balancing change): the whole service is compared.
        var filters = optimization.route.isEmpty ? [] : [TagFilter(key: "route", value: optimization.route)]
        if !optimization.service.isEmpty { filters.append(TagFilter(key: "service", value: optimization.service)) }
        let before = try await engine.sketches("http.server.duration", by: [], filters: filters, from: applied - length, to: applied - 1, nowMs: nowMs)
        let after = try await engine.sketches("http.server.duration", by: [], filters: filters, from: applied, to: applied + length, nowMs: nowMs)
        guard let old = before.values.first, let new = after.values.first, new.count >= configuration.minRequests, old.count > 0,
            let comparison = BeforeAfterComparison.compare(
                before: old.bins, after: new.bins, alpha: configuration.alpha, minChange: configuration.minChange)
        else { return nil }
        let errors = try await (
            engine.table("http.server.errors", [.sum], by: [], filters: filters, from: applied - length, to: applied - 1, nowMs: nowMs),
            engine.table("http.server.errors", [.sum], by: [], filters: filters, from: applied, to: applied + length, nowMs: nowMs)
        )
        let errorRates = ErrorRateComparison.compare(
            errorsBefore: errors.0[0].values.first ?? 0, requestsBefore: Double(comparison.countBefore),
            errorsAfter: errors.1[0].values.first ?? 0, requestsAfter: Double(comparison.countAfter), alpha: configuration.alpha)
        let edge = try await EdgeImpact.measure(
            optimization, engine: engine, filters: filters, before: (applied - length)...(applied - 1), after: applied...(applied + length),
            nowMs: nowMs, alpha: configuration.alpha, minChange: configuration.minChange)
        let verdict: PerformanceOptimization.Verdict =
            if errorRates?.worse == true || edge.lcpWorse { .regressed } else {
                switch comparison.verdict {
                case .improved: .improved
                case .regressed: .regressed
                // p95 did not move, but what the change is for did: fewer bytes, fewer upstream requests.
                case .noChange: edge.improved(by: configuration.minChange) ? .improved : .noChange
                }
            }
        var impact = PerformanceOptimization.Impact(
            before: comparison.before, after: comparison.after, changePct: comparison.changePct, pValue: comparison.pValue,
            verdict: verdict, requestsBefore: Int64(comparison.countBefore), requestsAfter: Int64(comparison.countAfter),
            beforeFromMs: applied - length, afterToMs: applied + length, validatedMs: nowMs)
        impact.errorRateBefore = errorRates?.rateBefore
        impact.errorRateAfter = errorRates?.rateAfter
        impact.errorPValue = errorRates?.pValue
        impact.bytesPerResponseBefore = edge.bytesPerResponse?.before
        impact.bytesPerResponseAfter = edge.bytesPerResponse?.after
        impact.upstreamPerSecondBefore = edge.upstreamPerSecond?.before
        impact.upstreamPerSecondAfter = edge.upstreamPerSecond?.after
        impact.imageBytesPerPageBefore = edge.imageBytesPerPage?.before
        impact.imageBytesPerPageAfter = edge.imageBytesPerPage?.after
        impact.lcpP75Before = edge.lcpP75?.before
        impact.lcpP75After = edge.lcpP75?.after
        return impact
    }

    /// The reason a regressed edge optimization is rolled back with: the figures that judged it.
    public static func regressionEvidence(_ impact: PerformanceOptimization.Impact) -> String {
        func number(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
        var text = "validation regressed: p95 \(number(impact.before, 1)) → \(number(impact.after, 1)) ms "
            + "(\(impact.changePct >= 0 ? "+" : "")\(number(impact.changePct, 1))%, p=\(String(format: "%.2g", impact.pValue)))"
        if let before = impact.errorRateBefore, let after = impact.errorRateAfter, let p = impact.errorPValue {
            text += ", error rate \(number(before * 100, 2))% → \(number(after * 100, 2))% (p=\(String(format: "%.2g", p)))"
        }
        if let before = impact.lcpP75Before, let after = impact.lcpP75After {
            text += ", LCP p75 \(number(before, 0)) → \(number(after, 0)) ms (RUM)"
        }
        return text + "; \(impact.requestsBefore) requests before, \(impact.requestsAfter) after"
    }
}

/// Rolls back an edge optimization the validator judged `regressed` (the server implements it:
/// it publishes the edge policy without the change and records why).
public protocol OptimizationRollback: Sendable {
    @discardableResult
    func rollBackOptimization(_ optimization: PerformanceOptimization, reason: String, nowMs: Int64) async throws -> PerformanceOptimization
}
