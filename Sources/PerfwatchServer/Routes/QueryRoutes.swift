import Foundation
import Hummingbird
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage

/// `GET /api/v1/query` and the metric catalog `GET /api/v1/metrics`.
struct QueryRoutes {
    let components: ServerComponents
    /// Answers `GET /api/v1/query?query=…` (PromQL); nil: Perfwatch's query only (tests that build routes alone).
    var prometheus: PrometheusAPIRoutes? = nil
    static let queryParameters: Set<String> = ["metric", "stat", "from", "to", "step", "by", "where", "_"]
    /// Tag values listed per key in the catalog before it says `truncated`.
    static let catalogValueLimit = 200

    func register(on router: Router<AppRequestContext>) {
        // Prometheus' instant query shares the path: `query=` is PromQL, `metric=` (without `query=`) is ours.
        router.get("/api/v1/query") { request, _ in
            if let prometheus, PrometheusAPIRoutes.isPromQL(request) { return await prometheus.instantQuery(request) }
            return try await self.query(request)
        }
        router.rejectOtherMethods("/api/v1/query", allowed: [.get, .post])
        router.get("/api/v1/metrics") { _, _ in try await self.catalog() }
    }

    func parseQuery(_ request: Request, nowMs: Int64) throws -> MetricQuery {
        let parameters = request.uri.queryParameters
        for (name, _) in parameters where !Self.queryParameters.contains(String(name)) {
            throw PerfwatchError(.badRequest, "unknown parameter '\(name)'; valid: metric, stat, from, to, step, by, where")
        }
        guard let metric = parameters["metric"].map(String.init), !metric.isEmpty else {
            throw PerfwatchError(.badRequest, "parameter 'metric' is required")
        }
        let statText = parameters["stat"].map(String.init) ?? "avg"
        guard let stat = Stat(statText) else {
            throw PerfwatchError(
                .badRequest, "parameter 'stat': unknown stat '\(statText)'; use count, sum, avg, min, max, rate, last or pNN (p50, p95, p99.9)")
        }
        let (from, to) = try request.timeRange(nowMs: nowMs)
        var step: Int64? = nil
        if let text = parameters["step"].map(String.init), !text.isEmpty {
            // A bare number is seconds (as in Prometheus's API); one too large is refused, not trapped on.
            guard let parsed = try? DurationText.parse(text, bareNumbers: .seconds).wholeMilliseconds, parsed > 0 else {
                throw PerfwatchError(.badRequest, "parameter 'step': '\(text)' is not a duration like 10s, 1m or 1h")
            }
            step = parsed
        }
        let groupBy = parameters.getAll("by").flatMap { $0.split(separator: ",") }.map {
            String($0).trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        var filters: [TagFilter] = []
        for text in parameters.getAll("where") {
            guard let filter = TagFilter(String(text)) else {
                throw PerfwatchError(.badRequest, "parameter 'where': '\(text)' is not TAG=VALUE or TAG!=VALUE")
            }
            filters.append(filter)
        }
        return MetricQuery(metric: metric, stat: stat, from: from, to: to, step: step, groupBy: groupBy, filters: filters)
    }

    func query(_ request: Request) async throws -> Response {
        let now = TimeParsing.nowMs()
        let query = try parseQuery(request, nowMs: now)
        let result = try await components.queryEngine.execute(query, nowMs: now)
        let response = QueryResponse(result: result)
        return try .json(response, capacity: response.capacity)
    }

    func catalog() async throws -> Response {
        try await components.store.flushDeferred()
        struct Entry {
            var kind: MetricKind
            var unit: String
            var series = 0
            var tags: [String: Set<String>] = [:]
        }
        var entries: [String: Entry] = [:]
        for info in components.store.allSeries() {
            var entry = entries[info.key.metric] ?? Entry(kind: info.kind, unit: info.unit)
            entry.series += 1
            for pair in info.key.labels.pairs where (entry.tags[pair.key]?.count ?? 0) <= Self.catalogValueLimit {
                entry.tags[pair.key, default: []].insert(pair.value)
            }
            entries[info.key.metric] = entry
        }
        let metrics = entries.keys.sorted().map { name in
            let entry = entries[name]!
            var tags: [String: [String]] = [:]
            for (key, values) in entry.tags { tags[key] = Array(values.sorted().prefix(Self.catalogValueLimit)) }
            return MetricCatalog.Entry(
                name: name, kind: entry.kind.rawValue, unit: entry.unit, series: entry.series, tags: tags,
                truncatedTags: entry.tags.filter { $0.value.count > Self.catalogValueLimit }.keys.sorted())
        }
        return try .json(MetricCatalog(metrics: metrics), capacity: 256 + metrics.count * 200)
    }
}
