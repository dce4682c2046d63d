import PerfwatchModel
import PerfwatchQuery

/// Uptime per check: the mean of `synthetic.up` (each run 0 or 1) over the last 24 h, 7 d and 30 d.
enum SyntheticUptime {
    static let windows: [(name: String, ms: Int64)] = [("24h", 86_400_000), ("7d", 7 * 86_400_000), ("30d", 30 * 86_400_000)]

    /// Percent (0–100) by check, then by window name; a check with no run in a window has no entry.
    static func percentages(engine: QueryEngine, nowMs: Int64) async throws -> [String: [String: Double]] {
        var result: [String: [String: Double]] = [:]
        for window in windows {
            let query = MetricQuery(metric: "synthetic.up", stat: .avg, from: nowMs - window.ms, to: nowMs, groupBy: ["check"])
            for series in try await engine.execute(query, nowMs: nowMs).series {
                guard let check = series.tags["check"], let value = series.points.last?.value, value.isFinite else { continue }
                result[check, default: [:]][window.name] = (value * 100_000).rounded() / 1000
            }
        }
        return result
    }
}
