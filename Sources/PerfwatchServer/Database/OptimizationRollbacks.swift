import PerfwatchAnalysis
import PerfwatchModel

/// What `OptimizationValidator` calls for an optimization it judged `regressed`: an edge change is
/// taken out of the edge policy (as before issue 21); a `db_index` one is dropped only when
/// `analysis.auto_apply` lists `db_index` — otherwise the dashboard offers the rollback.
struct OptimizationRollbacks: OptimizationRollback {
    let edge: EdgePolicyService
    let indexes: DatabaseIndexOptimizations

    @discardableResult
    func rollBackOptimization(_ optimization: PerformanceOptimization, reason: String, nowMs: Int64) async throws -> PerformanceOptimization {
        guard optimization.type == DatabaseIndexChange.optimizationType else {
            return try await edge.rollBackOptimization(optimization, reason: reason, nowMs: nowMs)
        }
        guard indexes.automatic else { return optimization }
        return try await indexes.rollBack(optimization, reason: "dropped automatically (analysis.auto_apply lists db_index): \(reason)", nowMs: nowMs)
    }
}
