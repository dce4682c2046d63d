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
        var ratio = CacheHitRatio()
        for spans in traces { ratio.add(trace: spans, entryMs: CriticalPath.entry(of: spans, route: route)?.durationMs ?? 0) }
        let report = BottleneckReport(
            route: route, service: query.service ?? "", from: from, to: to, traces: traces.count,
            breakdown: BottleneckBreakdown.of(traces: traces, route: route), cache: ratio)
        return try .json(report, capacity: 4096)
    }
}
