/// How a metric's values are stored and aggregated.
public enum MetricKind: String, Sendable, Codable, CaseIterable {
    /// Timings and histograms: every value lands in a quantile sketch with exact count/sum/min/max.
    case distribution
    /// Monotonic counters. `temporality` says whether samples are increments or running totals.
    case counter
    /// Point-in-time values.
    case gauge
}

/// Whether counter samples are increments (JSON API) or cumulative totals (Prometheus).
public enum Temporality: Int, Sendable, Codable {
    case delta = 0
    case cumulative = 1
}
