import PerfwatchModel
import PerfwatchQuery

extension ServerComponents {
    /// One whole-range value per group for each stat, all from a single read of the metric
    /// (the server's own tables: routes, queries, vitals).
    func tableColumns(
        _ metric: String, _ stats: [Stat], by groupBy: [String], filters: [TagFilter] = [], from: Int64, to: Int64, now: Int64
    ) async throws -> [[Labels: Double]] {
        let results = try await tableEngine.execute(
            MetricQuery(metric: metric, stat: stats[0], from: from, to: to, groupBy: groupBy, filters: filters), stats: stats, nowMs: now)
        return results.map { result in
            var column: [Labels: Double] = [:]
            for series in result.series { column[Labels(series.tags)] = series.points.first?.value }
            return column
        }
    }
}
