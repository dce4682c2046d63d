/// Outcome of one threshold, as shown in the table and stored in the report.
public struct ThresholdResult: Sendable, Codable, Equatable {
    /// `p95`, `error_rate`, …
    public var name: String
    /// Milliseconds for latency thresholds, a fraction (0.01 = 1%) for `error_rate`.
    public var limit: Double
    public var actual: Double
    public var passed: Bool
}

/// Checks thresholds against a run's overall figures. Pure, so CI behaviour is unit-tested.
public enum ThresholdEvaluation {
    /// - Parameters:
    ///   - latency: overall latency summary in milliseconds, corrected for coordinated omission.
    ///   - count: requests attempted; `errors`: requests that failed.
    public static func evaluate(_ thresholds: [Threshold], latency: LatencySummary, count: Int, errors: Int) -> [ThresholdResult] {
        thresholds.map { threshold in
            let actual: Double
            let limit: Double
            switch threshold.metric {
            case .p50: actual = latency.p50
            case .p90: actual = latency.p90
            case .p95: actual = latency.p95
            case .p99: actual = latency.p99
            case .max: actual = latency.max
            case .mean: actual = latency.mean
            case .errorRate:
                // A run that completed no request at all cannot pass an error-rate limit.
                actual = count == 0 ? 1 : Double(errors) / Double(count)
            }
            limit = threshold.metric == .errorRate ? threshold.limit : threshold.limit / 1000
            let passed = threshold.metric == .errorRate ? actual <= limit : (count > 0 && actual <= limit)
            return ThresholdResult(name: threshold.metric.rawValue, limit: limit, actual: actual, passed: passed)
        }
    }

    /// The process exit code CI sees: 1 when any threshold failed, else 0.
    public static func exitCode(_ results: [ThresholdResult]) -> Int32 {
        results.allSatisfy(\.passed) ? 0 : 1
    }
}
