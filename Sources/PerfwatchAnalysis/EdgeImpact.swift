import PerfwatchModel
import PerfwatchStatistics
import PerfwatchQuery

/// What an edge optimization changed besides latency (issue 16: "plus bytes transferred for
/// compression changes and upstream request rate for caching"), each side of the validator's
/// windows, from the edge's own metrics (`EdgeSpanDerivations`): body bytes sent per response for
/// `edge_compression` and `edge_images`, upstream requests per second for `edge_cache` (every response
/// the cache did not answer itself: `HIT` and `STALE` made no upstream request in the client's path).
/// For `edge_images` also what real browsers saw (RUM, every page): image bytes per page view, and LCP —
/// its p75 each side, and whether the rank test over the LCP distributions finds it worse (`lcpWorse`:
/// the validator rolls such a change back whatever the bytes did).
enum EdgeImpact {
    struct Figures {
        var bytesPerResponse: (before: Double, after: Double)?
        var upstreamPerSecond: (before: Double, after: Double)?
        var imageBytesPerPage: (before: Double, after: Double)?
        var lcpP75: (before: Double, after: Double)?
        var lcpWorse = false

        /// The change that matters for this optimization fell by at least `minChange` (0.1 = 10%).
        func improved(by minChange: Double) -> Bool {
            for pair in [bytesPerResponse, upstreamPerSecond, imageBytesPerPage].compactMap({ $0 }) where pair.before > 0 {
                if (pair.before - pair.after) / pair.before >= minChange { return true }
            }
            return false
        }
    }

    static let servedByTheCache: Set<String> = ["HIT", "STALE"]

    static func measure(
        _ optimization: PerformanceOptimization, engine: QueryEngine, filters: [TagFilter], before: ClosedRange<Int64>,
        after: ClosedRange<Int64>, nowMs: Int64, alpha: Double = 0.01, minChange: Double = 0.1
    ) async throws -> Figures {
        var figures = Figures()
        switch optimization.type {
        case "edge_compression", "edge_images":
            let bytesBefore = try await sum("edge.bytes_out", filters: filters, over: before, engine: engine, nowMs: nowMs)
            let bytesAfter = try await sum("edge.bytes_out", filters: filters, over: after, engine: engine, nowMs: nowMs)
            let countBefore = try await responses(filters: filters, over: before, engine: engine, nowMs: nowMs).total
            let countAfter = try await responses(filters: filters, over: after, engine: engine, nowMs: nowMs).total
            if countBefore > 0, countAfter > 0 { figures.bytesPerResponse = (bytesBefore / countBefore, bytesAfter / countAfter) }
        case "edge_cache":
            let beforeCounts = try await responses(filters: filters, over: before, engine: engine, nowMs: nowMs)
            let afterCounts = try await responses(filters: filters, over: after, engine: engine, nowMs: nowMs)
            if beforeCounts.total > 0, afterCounts.total > 0 {
                figures.upstreamPerSecond = (
                    beforeCounts.upstream / seconds(before), afterCounts.upstream / seconds(after)
                )
            }
        default:
            break
        }
        if optimization.type == "edge_images" {
            try await measurePages(into: &figures, engine: engine, before: before, after: after, nowMs: nowMs, alpha: alpha, minChange: minChange)
        }
        return figures
    }

    /// RUM over every page: image bytes per page view (mean of `rum.resource.bytes`, type image) and LCP.
    static func measurePages(
        into figures: inout Figures, engine: QueryEngine, before: ClosedRange<Int64>, after: ClosedRange<Int64>, nowMs: Int64,
        alpha: Double, minChange: Double
    ) async throws {
        let image = [TagFilter(key: "type", value: "image")]
        func stat(_ metric: String, _ stat: Stat, _ filters: [TagFilter], _ window: ClosedRange<Int64>) async throws -> Double? {
            try await engine.table(metric, [stat], by: [], filters: filters, from: window.lowerBound, to: window.upperBound, nowMs: nowMs)[0]
                .values.first
        }
        if let old = try await stat("rum.resource.bytes", .avg, image, before), let new = try await stat("rum.resource.bytes", .avg, image, after) {
            figures.imageBytesPerPage = (old, new)
        }
        // One read of LCP per side: its p75 and the rank test come from the same merged bins.
        let lcpBefore = try await engine.sketches("rum.lcp", by: [], from: before.lowerBound, to: before.upperBound, nowMs: nowMs)
        let lcpAfter = try await engine.sketches("rum.lcp", by: [], from: after.lowerBound, to: after.upperBound, nowMs: nowMs)
        guard let old = lcpBefore.values.first, let new = lcpAfter.values.first, old.count > 0, new.count > 0 else { return }
        if let oldP75 = old.quantile(0.75), let newP75 = new.quantile(0.75) { figures.lcpP75 = (oldP75, newP75) }
        if let comparison = BeforeAfterComparison.compare(before: old.bins, after: new.bins, alpha: alpha, minChange: minChange) {
            figures.lcpWorse = comparison.verdict == .regressed
        }
    }

    private static func seconds(_ window: ClosedRange<Int64>) -> Double { Double(window.upperBound - window.lowerBound + 1) / 1000 }

    private static func sum(
        _ metric: String, filters: [TagFilter], over window: ClosedRange<Int64>, engine: QueryEngine, nowMs: Int64
    ) async throws -> Double {
        try await engine.table(metric, [.sum], by: [], filters: filters, from: window.lowerBound, to: window.upperBound, nowMs: nowMs)[0]
            .values.reduce(0, +)
    }

    /// Responses the edge gave, and those an upstream answered.
    private static func responses(
        filters: [TagFilter], over window: ClosedRange<Int64>, engine: QueryEngine, nowMs: Int64
    ) async throws -> (total: Double, upstream: Double) {
        let byCache = try await engine.table(
            "edge.request.duration", [.count], by: ["cache"], filters: filters, from: window.lowerBound, to: window.upperBound, nowMs: nowMs)[0]
        var total = 0.0
        var upstream = 0.0
        for (labels, count) in byCache {
            total += count
            if !servedByTheCache.contains(labels["cache"] ?? "") { upstream += count }
        }
        return (total, upstream)
    }
}
