/// Limits of the Prometheus HTTP API, each answered with Prometheus' own error when passed: the query timeout
/// (503 `timeout`), samples a query may load (422 `execution`), series a query, `/api/v1/series` or a label
/// listing may return (422 `execution`). Defaults are Prometheus' (`--query.timeout`, `--query.max-samples`)
/// and, for series, a bound that keeps one answer to a few MB.
public struct PromQLSettings: Sendable, Equatable {
    public var queryTimeoutMs: Int64 = 120_000
    public var maxSamples = 50_000_000
    public var maxSeries = 10_000

    public init() {}
}
