public import PerfwatchModel
public import PerfwatchStorage

/// A bounded sample of stored traces per route, for the analyzers that read spans
/// (bottlenecks, parallelizable calls, cache hit ratio). Two lists of trace entries are read
/// once per pass — the window's slowest traces and its most recent ones (at most 1000 each,
/// the trace store's page limit) — and at most `slowestPerRoute` / `recentPerRoute` of them
/// per route, and `maxTraces` in all, are loaded. The slowest traces show where time goes when a route is
/// slow; the recent ones are an unbiased sample for ratios (slow traces over-represent cache
/// misses). Limits: a route with little traffic among many busy ones may get no recent traces.
public struct BottleneckTraceSample: Sendable {
    public struct Key: Hashable, Sendable {
        public var service: String
        public var route: String
    }

    public var slowest: [Key: [[Span]]] = [:]
    public var recent: [Key: [[Span]]] = [:]
    public var tracesRead = 0

    public static func load(
        from store: any SpanStore, from: Int64, to: Int64, slowestPerRoute: Int, recentPerRoute: Int, maxTraces: Int
    ) async throws -> BottleneckTraceSample {
        var sample = BottleneckTraceSample()
        var cache: [String: [Span]] = [:]
        for order in [TraceQuery.Order.duration, .time] {
            var query = TraceQuery(from: from, to: to)
            query.order = order
            query.limit = 1000
            var taken: [Key: Int] = [:]
            for summary in try await store.traceSummaries(query) where sample.tracesRead < maxTraces || cache[summary.traceID] != nil {
                let key = Key(service: summary.service, route: summary.route.isEmpty ? summary.name : summary.route)
                guard taken[key, default: 0] < (order == .duration ? slowestPerRoute : recentPerRoute) else { continue }
                taken[key, default: 0] += 1
                let spans: [Span]
                if let known = cache[summary.traceID] {
                    spans = known
                } else {
                    spans = try await store.trace(id: summary.traceID)
                    cache[summary.traceID] = spans
                    sample.tracesRead += 1
                }
                guard !spans.isEmpty else { continue }
                if order == .duration { sample.slowest[key, default: []].append(spans) } else { sample.recent[key, default: []].append(spans) }
            }
        }
        return sample
    }
}
