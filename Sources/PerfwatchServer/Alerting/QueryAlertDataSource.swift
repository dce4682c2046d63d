import PerfwatchAlerting
import PerfwatchModel
import PerfwatchPromQL
import PerfwatchQuery

/// Answers alert rules' queries with the query engine: one value per group of the rule's
/// `by` tags over its window.
struct QueryAlertDataSource: AlertDataSource {
    let engine: QueryEngine
    /// Normalized statements by query fingerprint (the span store's).
    let statements: @Sendable ([String]) async throws -> [String: String]
    /// Answers `expr:` rules (PromQL over the store, as the Prometheus API sees it).
    var promql: PromQLEngine? = nil

    func values(for query: AlertQuery, at timeMs: Int64) async throws -> [AlertSample] {
        if let expr = query.expr {
            guard let promql else { throw PerfwatchError(.badRequest, "alert query: PromQL is not available here") }
            return try Self.samples(try await promql.evaluate(expr, atMs: timeMs))
        }
        guard let stat = Stat(query.stat) else {
            throw PerfwatchError(.badRequest, "alert query: unknown stat '\(query.stat)'")
        }
        let window = query.window.components
        let windowMs = window.seconds * 1000 + window.attoseconds / 1_000_000_000_000_000
        let filters = query.parsedFilters.map { TagFilter(key: $0.key, value: $0.value, negated: $0.negated) }
        let column = try await engine.table(
            query.metric, [stat], by: query.by, filters: filters, from: timeMs - windowMs, to: timeMs, nowMs: timeMs)[0]
        let samples = column.map { AlertSample(labels: $0.key.dictionary, value: $0.value) }
        return query.by.contains("fingerprint") ? await Self.describingStatements(samples, from: statements) : samples
    }

    /// An `expr:` result as alert samples: one per vector element (labels without `__name__`, as Prometheus' alert
    /// labels), one without labels for a scalar.
    static func samples(_ value: PromValue) throws -> [AlertSample] {
        switch value {
        case .vector(let elements):
            return elements.map { element in
                AlertSample(
                    labels: Dictionary(element.labels.droppingMetricName.pairs.map { ($0.name, $0.value) }) { _, last in last },
                    value: element.value)
            }
        case .scalar(_, let value): return [AlertSample(labels: [:], value: value)]
        case .string, .matrix: throw PerfwatchError(.badRequest, "alert expr must answer an instant vector or a scalar")
        }
    }

    /// Adds `statement` to samples grouped by a query `fingerprint`, so a message names the
    /// query ("p95 of query `SELECT … FROM lessons WHERE course_id = ?`"), not its hash. A
    /// statement the span store no longer has (or cannot read now) is shown as the fingerprint:
    /// the alert still fires.
    static func describingStatements(
        _ samples: [AlertSample], from statements: @Sendable ([String]) async throws -> [String: String]
    ) async -> [AlertSample] {
        let fingerprints = Set(samples.compactMap { $0.labels["fingerprint"] })
        guard !fingerprints.isEmpty else { return samples }
        let known = (try? await statements(Array(fingerprints))) ?? [:]
        return samples.map { sample in
            guard let fingerprint = sample.labels["fingerprint"] else { return sample }
            var described = sample
            described.details["statement"] = known[fingerprint].map { shortStatement($0) } ?? fingerprint
            return described
        }
    }

    /// One line of at most `limit` characters: whitespace runs collapsed, the end cut with "…"
    /// (a subject line, a Slack headline; the whole statement is on the Database page).
    static func shortStatement(_ statement: String, limit: Int = 80) -> String {
        let oneLine = statement.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard oneLine.count > limit else { return oneLine }
        return String(oneLine.prefix(limit - 1)) + "…"
    }
}
