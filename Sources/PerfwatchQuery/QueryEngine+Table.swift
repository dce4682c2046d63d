public import PerfwatchModel

extension QueryEngine {
    /// One whole-range value per group for each stat, all from a single read of the metric —
    /// a table's columns (routes, queries, vitals, analyzers). Groups missing a value are absent.
    public func table(
        _ metric: String, _ stats: [Stat], by groupBy: [String], filters: [TagFilter] = [], from: Int64, to: Int64, nowMs: Int64
    ) async throws -> [[Labels: Double]] {
        let results = try await execute(
            MetricQuery(metric: metric, stat: stats[0], from: from, to: to, groupBy: groupBy, filters: filters), stats: stats, nowMs: nowMs)
        return results.map { result in
            var column: [Labels: Double] = [:]
            for series in result.series { column[Labels(series.tags)] = series.points.first?.value }
            return column
        }
    }
}
