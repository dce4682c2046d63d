import PerfwatchModel
import PerfwatchStorage

/// Statistics over counter and gauge samples decoded from chunks.
///
/// Within a group: `count`, `sum` and `rate` add up across series; `avg`, `min`, `max` and
/// percentiles pool every sample; `last` is the mean of each series' latest value (so a CPU
/// gauge stays a percentage when hosts are grouped).
///
/// NaN and ±Inf samples (stored since issue 19 for PromQL, including Prometheus' stale marker)
/// are skipped: these statistics behave as they did when such samples were never stored, and
/// one NaN does not turn a window's sum or average into `null`.
struct SampleEvaluator {
    let store: any MetricStore
    let query: MetricQuery
    let windows: WindowLayout

    /// How far before `from` to look for the previous value of a cumulative counter.
    static let counterLookbackMs: Int64 = 5 * 60_000

    func evaluate(groups: [Labels: [SeriesInfo]], stats: [Stat], kind: MetricKind, unit: String) async throws -> [QueryResult] {
        let ids = groups.values.flatMap { $0.map(\.id) }
        let samples = try await store.readSamples(
            seriesIDs: ids, from: query.from - Self.counterLookbackMs, to: query.to)
        var aggregated: [(labels: Labels, windows: [WindowData])] = []
        for (labels, members) in groups {
            var windowsData = [WindowData](repeating: WindowData(), count: windows.count)
            for member in members {
                let memberSamples = samples[member.id] ?? []
                var lastInWindow: [Int: Double] = [:]
                var previous: Double? = nil
                for sample in memberSamples where sample.value.isFinite {
                    let increment: Double
                    if member.kind == .counter && member.temporality == .cumulative {
                        if let previous {
                            increment = sample.value >= previous ? sample.value - previous : sample.value
                        } else {
                            increment = 0
                        }
                    } else {
                        increment = sample.value
                    }
                    previous = sample.value
                    guard let index = windows.index(of: sample.timeMs) else { continue }
                    windowsData[index].increase += increment
                    windowsData[index].values.append(sample.value)
                    lastInWindow[index] = sample.value
                }
                for (index, value) in lastInWindow {
                    windowsData[index].lastSum += value
                    windowsData[index].lastCount += 1
                }
            }
            aggregated.append((labels, windowsData))
        }
        return QueryEngine.results(
            query: query, stats: stats, groups: aggregated, layout: windows, source: "raw", kind: kind, unit: unit
        ) { data, stat, seconds in
            data.value(stat, kind: kind, seconds: seconds)
        }
    }

    struct WindowData {
        var values: [Double] = []
        var increase = 0.0
        var lastSum = 0.0
        var lastCount = 0

        func value(_ stat: Stat, kind: MetricKind, seconds: Double) -> Double? {
            switch stat {
            case .count: return Double(values.count)
            case .sum: return kind == .counter ? increase : values.reduce(0, +)
            case .rate:
                return (kind == .counter ? increase : values.reduce(0, +)) / seconds
            case .avg: return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
            case .min: return values.min()
            case .max: return values.max()
            case .last: return lastCount > 0 ? lastSum / Double(lastCount) : nil
            case .percentile(let q):
                guard !values.isEmpty else { return nil }
                let sorted = values.sorted()
                return sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
            }
        }
    }
}
