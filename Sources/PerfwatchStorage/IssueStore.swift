public import PerfwatchModel

/// Performance issues found by the analyzers (the Storage API side of the analysis loop).
public protocol IssueStore: Sendable {
    /// Records one analysis pass: findings create or update issues (reopening resolved ones);
    /// open issues of the analyzed types not found for `resolveAfterPasses` passes in a row
    /// are resolved. Returns the issues touched.
    func recordAnalysisPass(
        _ findings: [PerformanceIssue], analyzedTypes: Set<String>, nowMs: Int64, resolveAfterPasses: Int
    ) async throws -> [PerformanceIssue]
    func issues(status: PerformanceIssue.Status?, type: String?, limit: Int) async throws -> [PerformanceIssue]
    func issue(id: Int64) async throws -> PerformanceIssue?
    /// Changes the status a person set (acknowledged, resolved, ignored, open); nil when unknown.
    func setIssueStatus(id: Int64, _ status: PerformanceIssue.Status, nowMs: Int64) async throws -> PerformanceIssue?
}
