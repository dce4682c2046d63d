public import PerfwatchModel
public import PerfwatchQuery
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

    public init(engine: QueryEngine, optimizations: any OptimizationStore, issues: any IssueStore, configuration: Configuration = Configuration()) {
        self.engine = engine
        self.optimizations = optimizations
        self.issues = issues
        self.configuration = configuration
    }

    public var types: Set<String> { [] }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        for optimization in try await optimizations.pendingOptimizations() {
            guard let applied = optimization.appliedMs, context.from >= applied,
                let impact = try await measure(optimization, nowMs: context.nowMs)
            else { continue }
            try await optimizations.recordImpact(id: optimization.id, impact)
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
        var filters = [TagFilter(key: "route", value: optimization.route)]
        if !optimization.service.isEmpty { filters.append(TagFilter(key: "service", value: optimization.service)) }
        let before = try await engine.sketches("http.server.duration", by: [], filters: filters, from: applied - length, to: applied - 1, nowMs: nowMs)
        let after = try await engine.sketches("http.server.duration", by: [], filters: filters, from: applied, to: applied + length, nowMs: nowMs)
        guard let old = before.values.first, let new = after.values.first, new.count >= configuration.minRequests, old.count > 0,
            let comparison = BeforeAfterComparison.compare(
                before: old.bins, after: new.bins, alpha: configuration.alpha, minChange: configuration.minChange)
        else { return nil }
        let verdict: PerformanceOptimization.Verdict =
            switch comparison.verdict {
            case .improved: .improved
            case .regressed: .regressed
            case .noChange: .noChange
            }
        return PerformanceOptimization.Impact(
            before: comparison.before, after: comparison.after, changePct: comparison.changePct, pValue: comparison.pValue,
            verdict: verdict, requestsBefore: Int64(comparison.countBefore), requestsAfter: Int64(comparison.countAfter),
            beforeFromMs: applied - length, afterToMs: applied + length, validatedMs: nowMs)
    }
}
