/// The engine's limits and defaults; Prometheus' flags of the same meaning in brackets.
public struct EngineOptions: Sendable {
    /// How far back an instant selector looks for the latest sample (`--query.lookback-delta`, 5m).
    public var lookbackDeltaMs: Int64 = 300_000
    /// Samples a query may load before it fails (`--query.max-samples`, 50,000,000). Counted over every selector's
    /// fetched samples plus every point a subquery or range query materialises.
    public var maxSamples = 50_000_000
    /// Wall-clock budget of one query (`--query.timeout`, 2m).
    public var timeout: Duration = .seconds(120)
    /// A subquery without a step (`[30m:]`) uses this resolution (Prometheus' global evaluation interval, 1m).
    public var defaultSubqueryStepMs: Int64 = 60_000
    /// Prometheus' limit on points per series of a range query.
    public var maxPointsPerSeries = 11_000
    /// The bin grid of the store's quantile sketches, when the source exposes them as `le` buckets: such bucket
    /// groups are answered with the sketch's bin values (`SketchBucketGrid`). Nil: classic interpolation only.
    public var sketchGrid: SketchBucketGrid? = nil

    public init() {}
}
