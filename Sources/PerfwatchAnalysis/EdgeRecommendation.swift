import PerfwatchEdgePolicy
import PerfwatchModel
import PerfwatchQuery

/// What the three edge analyzers share: how long a group was actually active. The change they
/// propose goes into an issue's evidence as `policy_change` (`EdgePolicyChange.jsonText`, the
/// patch `apply` publishes).
enum EdgeRecommendation {
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

    /// "30 s", "2.5 s".
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }

    /// "the last hour", "the last 15 min", "the last 90 s" — the pass window as a person says it.
    static func window(_ context: AnalysisContext) -> String {
        let seconds = max(1, (context.to - context.from) / 1000)
        if seconds == 3600 { return "the last hour" }
        if seconds % 3600 == 0 { return "the last \(seconds / 3600) hours" }
        if seconds % 60 == 0 { return "the last \(seconds / 60) min" }
        return "the last \(seconds) s"
    }

    /// Requests per second as written in a title: one decimal below 10.
    static func rate(_ perSecond: Double) -> String {
        perSecond >= 10 ? "\(Int(perSecond.rounded())) req/s" : "\((perSecond * 10).rounded() / 10) req/s"
    }
}
