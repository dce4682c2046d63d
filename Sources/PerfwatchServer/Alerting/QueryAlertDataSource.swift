import PerfwatchAlerting
import PerfwatchModel
import PerfwatchQuery

/// Answers alert rules' queries with the query engine: one value per group of the rule's
/// `by` tags over its window.
struct QueryAlertDataSource: AlertDataSource {
    let engine: QueryEngine

    func values(for query: AlertQuery, at timeMs: Int64) async throws -> [AlertSample] {
        guard let stat = Stat(query.stat) else {
            throw PerfwatchError(.badRequest, "alert query: unknown stat '\(query.stat)'")
        }
        let window = query.window.components
        let windowMs = window.seconds * 1000 + window.attoseconds / 1_000_000_000_000_000
        let filters = query.parsedFilters.map { TagFilter(key: $0.key, value: $0.value, negated: $0.negated) }
        let column = try await engine.table(
            query.metric, [stat], by: query.by, filters: filters, from: timeMs - windowMs, to: timeMs, nowMs: timeMs)[0]
        return column.map { AlertSample(labels: $0.key.dictionary, value: $0.value) }
    }
}
