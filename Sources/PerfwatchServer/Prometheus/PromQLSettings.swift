import PerfwatchPromQL

/// Limits of the Prometheus HTTP API, each answered with Prometheus' own error when passed: the query timeout
/// (503 `timeout`), samples a query may load (422 `execution`), series a query, `/api/v1/series` or a label
/// listing may return (422 `execution`). Defaults are Prometheus' (`--query.timeout`, `--query.max-samples`)
/// and, for series, a bound that keeps one answer to a few MB.
public struct PromQLSettings: Sendable, Equatable {
    public var queryTimeoutMs: Int64 = 120_000
    public var maxSamples = 50_000_000
    public var maxSeries = 10_000

    public init() {}

    /// The engine's options under these limits (`timeoutMs` when a request shortens the timeout), with the store's
    /// sketch grid so `histogram_quantile` answers our distributions like the sketch does.
    func engineOptions(timeoutMs: Int64? = nil, grid: SketchBucketGrid? = SketchBucketSeries.defaultGrid) -> EngineOptions {
        var options = EngineOptions()
        options.maxSamples = maxSamples
        options.timeout = .milliseconds(min(queryTimeoutMs, timeoutMs ?? queryTimeoutMs))
        options.sketchGrid = grid
        return options
    }
}
