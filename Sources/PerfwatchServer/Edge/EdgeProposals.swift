import Foundation
import Logging
import PerfwatchConfig
import PerfwatchEdgePolicy
import PerfwatchModel
import PerfwatchStorage

/// After each analysis pass: one `proposed` optimization per open edge issue whose evidence
/// carries a `policy_change` (the edge analyzers write it), and with `analysis.auto_apply` the
/// proposals of those types applied at once, their description saying so.
struct EdgeProposals: Sendable {
    let issues: any IssueStore
    let optimizations: any OptimizationStore
    let edge: EdgePolicyService
    let autoApply: Set<String>
    let logger: Logger

    /// Returns the optimizations it created.
    @discardableResult
    func afterPass(nowMs: Int64) async -> [PerformanceOptimization] {
        var created: [PerformanceOptimization] = []
        for type in AnalysisSettings.autoApplicable {
            do {
                for issue in try await issues.issues(status: .open, type: type, limit: 500) {
                    if let optimization = try await propose(issue, nowMs: nowMs) { created.append(optimization) }
                }
            } catch {
                logger.error("proposing edge optimizations failed", metadata: ["type": "\(type)", "error": "\(error)"])
            }
        }
        return created
    }

    func propose(_ issue: PerformanceIssue, nowMs: Int64) async throws -> PerformanceOptimization? {
        guard try await optimizations.optimization(issueID: issue.id) == nil, let change = Self.policyChange(in: issue) else { return nil }
        let automatic = autoApply.contains(issue.type)
        // The analyzer's recommendation carries the estimate ("expected p95 310 → 4 ms for hits") and the change.
        let recommendation = issue.recommendation.trimmingCharacters(in: .whitespacesAndNewlines)
        var proposal = PerformanceOptimization(
            issueID: issue.id, type: issue.type,
            description: String((recommendation.isEmpty ? change.summary : recommendation).prefix(3900))
                + (automatic ? " (applied automatically: analysis.auto_apply lists \(issue.type))" : ""),
            service: issue.service, route: issue.route, createdMs: nowMs,
            policyChange: change.jsonText)
        proposal = try await optimizations.addOptimization(proposal)
        guard automatic else { return proposal }
        return try await edge.apply(proposal, note: "applied automatically")
    }

    /// The evidence's `policy_change`, nil when it has none or it does not parse (logged: the
    /// analyzer wrote something this server cannot apply).
    static func policyChange(in issue: PerformanceIssue) -> EdgePolicyChange? {
        guard let evidence = try? ConfigNode.parseJSON(Data(issue.evidence.utf8), rootPath: "evidence"),
            let node = evidence["policy_change"]
        else { return nil }
        return try? EdgePolicyChange.parse(node)
    }
}
