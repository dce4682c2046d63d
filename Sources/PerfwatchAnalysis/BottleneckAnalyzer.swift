import Foundation
public import PerfwatchModel
public import PerfwatchQuery
public import PerfwatchStorage

/// Findings that need the spans of stored traces, from one bounded sample per pass
/// (`BottleneckTraceSample`):
/// - `bottleneck`: a slow route (p95 ≥ `slowRouteMs`, at least `minRequests` requests) whose
///   critical path is dominated (≥ `dominantShare`) by one category — database, outbound
///   HTTP, cache, or its own code — over its slowest traces (≥ `minTraces`);
/// - `parallelizable`: in at least `minShareOfTraces` of a route's sampled traces the same
///   chain of sequential independent calls (`ParallelizableCalls`) appears, and the median
///   saving of running them concurrently is at least `minSavingMs`;
/// - `cache_hit_ratio`: a route's cache lookups (`CacheHitRatio`, recent sample) hit less than
///   `minHitRatio` of the time, over at least `minLookups` lookups.
/// Limits: findings rest on a sample — at most `slowestPerRoute` + `recentPerRoute` traces per route and `maxTraces`
/// per pass — so a rare slow path can be missed; the caps keep a pass fast.
public struct BottleneckAnalyzer: Analyzer {
    public var slowRouteMs = 1000.0
    public var minRequests = 20.0
    public var dominantShare = 0.6
    public var minTraces = 5
    public var minShareOfTraces = 0.5
    public var minSavingMs = 20.0
    public var minHitRatio = 0.8
    public var minLookups = 20
    public var slowestPerRoute = 10
    public var recentPerRoute = 20
    public var maxTraces = 250
    public var parallel = ParallelizableCalls()
    let engine: QueryEngine
    let spans: any SpanStore

    public init(engine: QueryEngine, spans: any SpanStore) {
        self.engine = engine
        self.spans = spans
    }

    public var types: Set<String> { ["bottleneck", "parallelizable", "cache_hit_ratio"] }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        let columns = try await engine.table(
            "http.server.duration", [.percentile(0.95), .count], by: ["service", "route"], from: context.from, to: context.to,
            nowMs: context.nowMs)
        let sample = try await BottleneckTraceSample.load(
            from: spans, from: context.from, to: context.to, slowestPerRoute: slowestPerRoute, recentPerRoute: recentPerRoute,
            maxTraces: maxTraces)
        var findings: [PerformanceIssue] = []
        for (key, traces) in sample.slowest {
            let labels = Labels(["service": key.service, "route": key.route])
            guard let p95 = columns[0][labels], p95 >= slowRouteMs, (columns[1][labels] ?? 0) >= minRequests, traces.count >= minTraces,
                let breakdown = BottleneckBreakdown.of(traces: traces, route: key.route), let dominant = breakdown.dominant,
                dominant.share >= dominantShare
            else { continue }
            findings.append(bottleneck(key, breakdown: breakdown, dominant: dominant, p95: p95, context: context))
        }
        let keys = Set(sample.slowest.keys).union(sample.recent.keys)
        for key in keys.sorted(by: { ($0.service, $0.route) < ($1.service, $1.route) }) {
            let recent = sample.recent[key] ?? []
            // Distinct traces of both samples for chains: the slowest show the worst case too.
            var seen: Set<String> = []
            let traces = (recent + (sample.slowest[key] ?? [])).filter { seen.insert($0.first?.traceID ?? "").inserted }
            if let issue = parallelizable(key, traces: traces, p95: columns[0][Labels(["service": key.service, "route": key.route])], context: context) {
                findings.append(issue)
            }
            var ratio = CacheHitRatio()
            for spans in recent {
                ratio.add(trace: spans, entryMs: CriticalPath.entry(of: spans, route: key.route)?.durationMs ?? 0)
            }
            if ratio.lookups >= minLookups, ratio.ratio < minHitRatio { findings.append(cacheIssue(key, ratio: ratio, traces: recent.count, context: context)) }
        }
        return findings
    }

    func bottleneck(
        _ key: BottleneckTraceSample.Key, breakdown: BottleneckBreakdown, dominant: BottleneckBreakdown.Share, p95: Double,
        context: AnalysisContext
    ) -> PerformanceIssue {
        let percent = Int((dominant.share * 100).rounded())
        let top = breakdown.topOperations.first { $0.category == dominant.category }
        let name: String
        let advice: String
        switch dominant.category {
        case .database:
            name = "the database"
            advice = "Look at the queries on its critical path (\(top.map { "`\($0.name)` \(Format.ms($0.ms)) per request" } ?? "Queries page")): index or rewrite the slowest, batch repeated ones, and cache results that rarely change."
        case .http:
            name = "outbound HTTP calls"
            advice = "The request waits on \(top.map { "`\($0.name)` (\(Format.ms($0.ms)) per request)" } ?? "downstream calls"): set tight timeouts, cache responses, call concurrently where independent, or move the call off the request path (queue)."
        case .cache:
            name = "the cache"
            advice = "Cache calls are slow themselves (\(top.map { "`\($0.name)` \(Format.ms($0.ms))" } ?? "")): check the cache server's latency and network, pipeline or batch lookups (MGET), and avoid large values."
        case .application:
            name = "its own code"
            advice = "Time goes in the service's own code, not in calls: profile the handler (CPU profiler or finer spans) — serialization, template rendering and loops over large collections are the usual suspects."
        }
        let saving = dominant.ms / 2
        return PerformanceIssue(
            fingerprint: "bottleneck|\(key.service)|\(key.route)", type: "bottleneck",
            title: "\(key.route) spends \(percent)% of its time in \(name)",
            description: "Over its \(breakdown.traces) slowest traces (mean \(Format.ms(breakdown.meanMs)), p95 \(Format.ms(p95))), \(Format.ms(dominant.ms)) of each request's critical path is \(name); "
                + breakdown.shares.filter { $0.ms > 0 }.map { "\($0.category.rawValue) \(Int(($0.share * 100).rounded()))%" }.joined(separator: ", ") + ".",
            recommendation: advice + " Halving that time saves ≈ \(Format.ms(saving)) per request; expected p95 ≈ \(Format.ms(max(p95 - saving, 0))).",
            severity: Severity.forImpact(dominant.share >= 0.8 && p95 >= 2 * slowRouteMs ? .critical : .warning, impactMs: saving), service: key.service, route: key.route,
            impactMs: saving,
            evidence: Format.evidence([
                "category": Format.string(dominant.category.rawValue), "share": Format.number(dominant.share),
                "categoryMs": Format.number(dominant.ms), "meanMs": Format.number(breakdown.meanMs), "p95Ms": Format.number(p95),
                "traces": "\(breakdown.traces)", "traceIds": Self.json([breakdown.slowestTraceID]),
                "query": Format.string("/api/v1/routes/bottlenecks?service=\(key.service)&route=\(key.route)&from=\(context.from)&to=\(context.to)"),
            ]))
    }

    func parallelizable(_ key: BottleneckTraceSample.Key, traces: [[Span]], p95: Double?, context: AnalysisContext) -> PerformanceIssue? {
        guard traces.count >= minTraces else { return nil }
        var byCalls: [[String]: (savings: [Double], durations: [[Double]], traceIDs: [String])] = [:]
        for spans in traces {
            guard let chain = parallel.bestChain(in: spans) else { continue }
            byCalls[chain.calls, default: ([], [], [])].savings.append(chain.savingMs)
            byCalls[chain.calls]!.durations.append(chain.durationsMs)
            byCalls[chain.calls]!.traceIDs.append(spans.first?.traceID ?? "")
        }
        guard let (calls, found) = byCalls.max(by: { $0.value.savings.count < $1.value.savings.count }),
            Double(found.savings.count) >= minShareOfTraces * Double(traces.count)
        else { return nil }
        let saving = found.savings.sorted()[found.savings.count / 2]
        guard saving >= minSavingMs else { return nil }
        let list = calls.map { "`\($0)`" }.joined(separator: ", ")
        let expected = p95.map { " Expected p95 ≈ \(Format.ms(max($0 - saving, 0)))." } ?? ""
        return PerformanceIssue(
            fingerprint: "parallelizable|\(key.service)|\(key.route)", type: "parallelizable",
            title: "\(key.route) makes \(calls.count) independent calls one after another",
            description: "In \(found.savings.count) of \(traces.count) sampled traces, \(key.route) (\(key.service)) runs \(list) sequentially with no time between them to use one's result in the next; concurrently they would take the longest one's time, not the sum.",
            recommendation: "If the calls do not need each other's results, start them together (async let / Promise.all / asyncio.gather / CompletableFuture.allOf) and await all. Saves ≈ \(Format.ms(saving)) per request (sum − max of the calls, median).\(expected)",
            severity: Severity.forImpact(saving >= 100 ? .critical : .warning, impactMs: saving), service: key.service, route: key.route, impactMs: saving,
            evidence: Format.evidence([
                "calls": Self.json(calls), "savingMsMedian": Format.number(saving),
                "tracesWithChain": "\(found.savings.count)", "tracesSampled": "\(traces.count)",
                "traceIds": Self.json(Array(found.traceIDs.prefix(5))), "p95Ms": p95.map(Format.number) ?? "null",
            ]))
    }

    func cacheIssue(_ key: BottleneckTraceSample.Key, ratio: CacheHitRatio, traces: Int, context: AnalysisContext) -> PerformanceIssue {
        let percent = Int((ratio.ratio * 100).rounded())
        // Lifting the hit ratio to 90% turns that share of misses into hits, each saving the
        // difference between a trace with a miss and one with only hits (as sampled).
        let perMiss = max(ratio.missTraceMs - ratio.hitTraceMs, 0)
        let saving = max(0, 0.9 - ratio.ratio) * perMiss
        return PerformanceIssue(
            fingerprint: "cache_hit_ratio|\(key.service)|\(key.route)", type: "cache_hit_ratio",
            title: "\(key.route) cache hit ratio is \(percent)%",
            description: "Of \(ratio.lookups) cache lookups in \(traces) recent traces of \(key.route) (\(key.service)), \(ratio.hits) hit and \(ratio.misses) missed (\(percent)%, below \(Int(minHitRatio * 100))%). Requests with a miss took \(Format.ms(ratio.missTraceMs)) on average, with only hits \(Format.ms(ratio.hitTraceMs)).",
            recommendation: "Check the keys and TTLs: keys that include per-request values (timestamps, session ids) never repeat, TTLs shorter than the reuse interval expire first, and evictions mean the cache is too small. Raising the hit ratio to 90% saves ≈ \(Format.ms(saving)) per request on average.",
            severity: Severity.forImpact(ratio.ratio < 0.5 ? .critical : .warning, impactMs: saving), service: key.service, route: key.route, impactMs: saving,
            evidence: Format.evidence([
                "hits": "\(ratio.hits)", "misses": "\(ratio.misses)", "hitRatio": Format.number(ratio.ratio),
                "missTraceMs": Format.number(ratio.missTraceMs), "hitTraceMs": Format.number(ratio.hitTraceMs), "traces": "\(traces)",
                "attributes": Self.json(["cache.hit", "cache.result", "cache.status"]),
            ]))
    }

    static func json(_ strings: [String]) -> String { "[" + strings.map(Format.string).joined(separator: ",") + "]" }
}
