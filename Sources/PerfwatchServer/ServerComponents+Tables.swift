import PerfwatchModel
import PerfwatchQuery

extension ServerComponents {
    /// `QueryEngine.table` on the engine for the server's own tables (routes, queries, vitals).
    func tableColumns(
        _ metric: String, _ stats: [Stat], by groupBy: [String], filters: [TagFilter] = [], from: Int64, to: Int64, now: Int64
    ) async throws -> [[Labels: Double]] {
        try await tableEngine.table(metric, stats, by: groupBy, filters: filters, from: from, to: to, nowMs: now)
    }
}
