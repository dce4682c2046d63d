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
        var json = JSONText(capacity: 4096)
        json.raw("{\"metric\":")
        json.string(metric.rawValue)
        json.raw(",\"unit\":")
        json.string(metric.unit)
        json.raw(",\"from\":\(from),\"to\":\(to),\"stepMs\":\(TrendReader.step(forWindowMs: max(to - from, 60_000))),\"threshold\":")
        Self.number(TrendThresholds().threshold(for: metric), to: &json)
        json.raw(",\"trends\":[")
        for (index, trend) in trends.sorted(by: { ($0.service, $0.route) < ($1.service, $1.route) }).enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"service\":")
            json.string(trend.service)
            json.raw(",\"route\":")
            json.string(trend.route)
            for (name, value) in [
                ("current", trend.current), ("previous", trend.previous), ("changePct", trend.change.map { $0 * 100 }),
                ("slopePerHour", trend.slopePerHour), ("slopeLowPerHour", trend.lowSlopePerHour),
                ("slopeHighPerHour", trend.highSlopePerHour), ("samples", trend.samples),
            ] as [(String, Double?)] {
                json.raw(",\"\(name)\":")
                Self.number(value, to: &json)
            }
            json.raw(",\"significant\":\(trend.isSignificant),\"direction\":")
            json.string(trend.isSignificant ? (trend.slopePerHour > 0 ? "up" : "down") : "flat")
            json.raw(",\"forecastCrossing\":")
            if let crossing = trend.crossingMs { json.number(crossing) } else { json.raw("null") }
            json.raw(",\"points\":[")
            for (position, point) in trend.points.enumerated() {
                if position > 0 { json.raw(",") }
                json.raw("[\(point.time),")
                Self.number(point.value, to: &json)
                json.raw("]")
            }
            json.raw("]}")
        }
        json.raw("]}")
        return .json(json.text)
    }

    /// Four decimals: error rates and CLS are below 1.
    static func number(_ value: Double?, to json: inout JSONText) {
        guard let value, value.isFinite else { return json.raw("null") }
        json.number((value * 10_000).rounded() / 10_000)
    }
}
