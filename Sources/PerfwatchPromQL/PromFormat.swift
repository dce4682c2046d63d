/// Numbers as Prometheus prints them in its HTTP API and in `le` labels: Go's `strconv.FormatFloat(v, 'f', -1, 64)`,
/// with `NaN`, `+Inf`, `-Inf`.
public enum PromFormat {
    public static func value(_ value: Double) -> String { Evaluator.formatValue(value) }

    /// Unix seconds with up to three decimals, as Prometheus renders sample times (`1700000000.5`).
    public static func seconds(_ ms: Int64) -> Double { Double(ms) / 1000 }
}
