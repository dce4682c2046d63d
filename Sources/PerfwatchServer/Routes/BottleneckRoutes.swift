import Hummingbird
import PerfwatchAnalysis
import PerfwatchModel
import PerfwatchStorage

/// `GET /api/v1/routes/bottlenecks`: where one route's time goes (critical-path time by
/// category over its slowest traces), its top operations, the slowest trace's critical path,
/// the most common sequential-call chain and its cache hit ratio.
struct BottleneckRoutes {
    let components: ServerComponents
    /// Traces read per request: the slowest of the range.
    static let sampleSize = 50

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/routes/bottlenecks") { request, _ in try await self.bottlenecks(request) }
        router.rejectOtherMethods("/api/v1/routes/bottlenecks", allowed: [.get])
    }

    func bottlenecks(_ request: Request) async throws -> Response {
        let now = TimeParsing.nowMs()
        let (from, to) = try request.timeRange(nowMs: now)
        let parameters = request.uri.queryParameters
        guard let route = parameters["route"].map(String.init), !route.isEmpty else {
            throw PerfwatchError(.badRequest, "parameter 'route' is required (a route pattern such as /courses/:id)")
        }
        var query = TraceQuery(from: from, to: to)
        query.route = route
        query.service = parameters["service"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        query.order = .duration
        query.limit = Self.sampleSize
        var traces: [[Span]] = []
        for summary in try await components.spanStore.traceSummaries(query) {
            let spans = try await components.spanStore.trace(id: summary.traceID)
            if !spans.isEmpty { traces.append(spans) }
        }
        var json = JSONText(capacity: 4096)
        json.raw("{\"route\":")
        json.string(route)
        json.raw(",\"service\":")
        json.string(query.service ?? "")
        json.raw(",\"from\":\(from),\"to\":\(to),\"traces\":\(traces.count)")
        if let breakdown = BottleneckBreakdown.of(traces: traces, route: route) {
            json.raw(",\"meanMs\":")
            json.number(Self.round(breakdown.meanMs))
            json.raw(",\"breakdown\":[")
            for (index, share) in breakdown.shares.enumerated() {
                if index > 0 { json.raw(",") }
                json.raw("{\"category\":")
                json.string(share.category.rawValue)
                json.raw(",\"ms\":")
                json.number(Self.round(share.ms))
                json.raw(",\"share\":")
                json.number((share.share * 10_000).rounded() / 10_000)
                json.raw("}")
            }
            json.raw("],\"topOperations\":[")
            for (index, operation) in breakdown.topOperations.enumerated() {
                if index > 0 { json.raw(",") }
                json.raw("{\"name\":")
                json.string(operation.name)
                json.raw(",\"category\":")
                json.string(operation.category.rawValue)
                json.raw(",\"ms\":")
                json.number(Self.round(operation.ms))
                json.raw("}")
            }
            json.raw("],\"criticalPath\":{\"traceId\":")
            json.string(breakdown.slowestTraceID)
            json.raw(",\"segments\":[")
            for (index, segment) in breakdown.slowestPath.enumerated() {
                if index > 0 { json.raw(",") }
                json.raw("{\"spanId\":")
                json.string(segment.spanID)
                json.raw(",\"service\":")
                json.string(segment.service)
                json.raw(",\"name\":")
                json.string(segment.name)
                json.raw(",\"category\":")
                json.string(segment.category.rawValue)
                json.raw(",\"ms\":")
                json.number(Self.round(segment.ms))
                json.raw("}")
            }
            json.raw("]}")
        } else {
            json.raw(",\"meanMs\":null,\"breakdown\":[],\"topOperations\":[],\"criticalPath\":null")
        }
        var ratio = CacheHitRatio()
        for spans in traces { ratio.add(trace: spans, entryMs: CriticalPath.entry(of: spans, route: route)?.durationMs ?? 0) }
        json.raw(",\"cache\":{\"hits\":\(ratio.hits),\"misses\":\(ratio.misses),\"hitRatio\":")
        if ratio.lookups > 0 { json.number((ratio.ratio * 10_000).rounded() / 10_000) } else { json.raw("null") }
        json.raw("}}")
        return .json(json.text)
    }

    static func round(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
