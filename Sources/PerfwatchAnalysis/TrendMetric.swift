/// What a trend or anomaly is computed on, and the SLO threshold a trend is forecast against.
public enum TrendMetric: String, Sendable, CaseIterable {
    /// Route p95 latency (ms), from `http.server.duration`.
    case p95
    /// Route requests per second.
    case throughput
    /// Route error rate (0–1): `http.server.errors` / requests.
    case errorRate = "error_rate"
    /// Page p75 of a web vital from RUM (`rum.lcp`, `rum.inp`, `rum.cls`).
    case lcp, inp, cls

    public var isVital: Bool { self == .lcp || self == .inp || self == .cls }

    /// The value grows when things get worse (all but throughput, whose drops and rises both matter).
    public var higherIsWorse: Bool { self != .throughput }

    public var unit: String {
        switch self {
        case .p95, .lcp, .inp: "ms"
        case .throughput: "req/s"
        case .errorRate: "ratio"
        case .cls: ""
        }
    }

    public var label: String {
        switch self {
        case .p95: "p95"
        case .throughput: "throughput"
        case .errorRate: "error rate"
        case .lcp: "LCP p75"
        case .inp: "INP p75"
        case .cls: "CLS p75"
        }
    }
}

/// SLO thresholds trends are forecast against (configurable; defaults from Google's "good"
/// web-vital limits and common API objectives).
public struct TrendThresholds: Sendable {
    public var routeP95Ms = 2000.0
    public var errorRate = 0.05
    public var lcpMs = 2500.0
    public var inpMs = 200.0
    public var cls = 0.1

    public init() {}

    public func threshold(for metric: TrendMetric) -> Double? {
        switch metric {
        case .p95: routeP95Ms
        case .throughput: nil
        case .errorRate: errorRate
        case .lcp: lcpMs
        case .inp: inpMs
        case .cls: cls
        }
    }
}
