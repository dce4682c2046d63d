import PerfwatchModel
import PerfwatchQuery

/// What the three edge analyzers share: the policy change they propose (the `policy_change` of
/// an issue's evidence, the patch `apply` publishes) and how long a group was actually active.
enum EdgeRecommendation {
    /// The contract's `EdgePolicyChange` wire form, for the parts the analyzers propose.
    struct PolicyChange: Encodable, Sendable {
        struct Cache: Encodable, Sendable {
            var ttl: String
            var staleWhileRevalidate: String
            enum CodingKeys: String, CodingKey { case ttl, staleWhileRevalidate = "stale_while_revalidate" }
        }
        struct Route: Encodable, Sendable {
            var match: String
            var methods: [String]
            var cache: Cache
        }
        struct Compression: Encodable, Sendable {
            var algorithms: [String]
            var types: [String]
        }
        @OmittedWhenNil var routes: [Route]? = nil
        @OmittedWhenNil var compression: Compression? = nil
        @OmittedWhenNil var balancing: String? = nil

        var json: String { (try? CompactJSONEncoder().encode(self)) ?? "null" }
    }

    /// Seconds in which each group of `metric` had data, in 10 s steps: rates are per second of
    /// traffic, not per second of the pass window (a 2-minute load test in a 1-hour window
    /// is 2 minutes of traffic).
    static func activeSeconds(
        _ engine: QueryEngine, metric: String, by groupBy: [String], filters: [TagFilter] = [], context: AnalysisContext
    ) async throws -> [Labels: Double] {
        let step: Int64 = 10_000
        let result = try await engine.execute(
            MetricQuery(metric: metric, stat: .sum, from: context.from, to: context.to, step: step, groupBy: groupBy, filters: filters),
            nowMs: context.nowMs)
        var seconds: [Labels: Double] = [:]
        for series in result.series {
            seconds[Labels(series.tags)] = Double(series.points.filter { $0.value > 0 }.count) * Double(step / 1000)
        }
        return seconds
    }

    /// `Format.ms`, with one decimal below 1 ms (a cache hit is often faster than a millisecond).
    static func ms(_ value: Double) -> String { value < 0.95 ? "\((value * 10).rounded() / 10) ms" : Format.ms(value) }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }

    /// "the last hour", "the last 15 min" — the pass window as a person says it.
    static func window(_ context: AnalysisContext) -> String {
        let minutes = (context.to - context.from) / 60_000
        if minutes == 60 { return "the last hour" }
        if minutes % 60 == 0, minutes > 60 { return "the last \(minutes / 60) hours" }
        return "the last \(max(1, minutes)) min"
    }

    /// Requests per second as written in a title: one decimal below 10.
    static func rate(_ perSecond: Double) -> String {
        perSecond >= 10 ? "\(Int(perSecond.rounded())) req/s" : "\((perSecond * 10).rounded() / 10) req/s"
    }
}
