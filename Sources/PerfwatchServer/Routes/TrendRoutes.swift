import Hummingbird
import PerfwatchAnalysis
import PerfwatchModel
import PerfwatchQuery

/// `GET /api/v1/trends`: per route (or page, for web vitals) the Theil–Sen slope, the change
/// against the previous period and the forecast crossing of the SLO threshold.
struct TrendRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/trends") { request, _ in try await self.trends(request) }
        router.rejectOtherMethods("/api/v1/trends", allowed: [.get])
    }

    func trends(_ request: Request) async throws -> Response {
        let now = TimeParsing.nowMs()
        let (from, to) = try request.timeRange(nowMs: now)
        let parameters = request.uri.queryParameters
        let text = parameters["metric"].map(String.init) ?? "p95"
        guard let metric = TrendMetric(rawValue: text.isEmpty ? "p95" : text) else {
            throw PerfwatchError(
                .badRequest, "parameter 'metric': '\(text.prefix(64))' is not one of \(TrendMetric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var filters: [TagFilter] = []
        if let service = parameters["service"].map(String.init), !service.isEmpty, !metric.isVital {
            filters.append(TagFilter(key: "service", value: service))
        }
        let trends = try await TrendReader(engine: components.tableEngine).trends(metric, from: from, to: to, nowMs: now, filters: filters)
        let response = TrendsResponse(
            metric: metric.rawValue, unit: metric.unit, from: from, to: to, stepMs: TrendReader.step(forWindowMs: max(to - from, 60_000)),
            threshold: TrendThresholds().threshold(for: metric)?.roundedToTenThousandths,
            trends: trends.sorted(by: { ($0.service, $0.route) < ($1.service, $1.route) }).map(TrendsResponse.Trend.init))
        return try .json(response, capacity: 4096)
    }
}
