import Foundation
public import PerfwatchModel

/// The statistic a query asks for.
public enum Stat: Sendable, Equatable, CustomStringConvertible {
    case count, sum, avg, min, max, rate, last
    /// Quantile in [0, 1] (p95 → 0.95).
    case percentile(Double)

    /// Parses `count`, `sum`, `avg`, `min`, `max`, `rate`, `last`, `pNN`, `pNN.N`.
    public init?(_ text: String) {
        switch text {
        case "count": self = .count
        case "sum": self = .sum
        case "avg", "mean": self = .avg
        case "min": self = .min
        case "max": self = .max
        case "rate": self = .rate
        case "last": self = .last
        default:
            guard text.hasPrefix("p"), text.count >= 2 else { return nil }
            let number = text.dropFirst()
            guard number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(number),
                value >= 0, value <= 100
            else { return nil }
            self = .percentile(value / 100)
        }
    }

    public var description: String {
        switch self {
        case .count: "count"
        case .sum: "sum"
        case .avg: "avg"
        case .min: "min"
        case .max: "max"
        case .rate: "rate"
        case .last: "last"
        case .percentile(let q):
            "p" + Self.trim(q * 100)
        }
    }

    private static func trim(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}

/// `key=value` or `key!=value`.
public struct TagFilter: Sendable, Equatable {
    public var key: String
    public var value: String
    public var negated: Bool

    public init(key: String, value: String, negated: Bool = false) {
        self.key = key
        self.value = value
        self.negated = negated
    }

    /// Parses `route=/a` or `method!=POST`.
    public init?(_ text: String) {
        if let range = text.range(of: "!=") {
            key = String(text[..<range.lowerBound])
            value = String(text[range.upperBound...])
            negated = true
        } else if let index = text.firstIndex(of: "=") {
            key = String(text[..<index])
            value = String(text[text.index(after: index)...])
            negated = false
        } else {
            return nil
        }
        guard !key.isEmpty else { return nil }
    }

    public func matches(_ labels: Labels) -> Bool {
        let actual = labels[key] ?? ""
        return negated ? actual != value : actual == value
    }
}

/// A metric query: one statistic of one metric over a time range, optionally per step and group.
public struct MetricQuery: Sendable {
    public var metric: String
    public var stat: Stat
    public var from: Int64
    public var to: Int64
    /// Window length in ms; nil means one window for the whole range.
    public var step: Int64?
    public var groupBy: [String]
    public var filters: [TagFilter]

    public init(
        metric: String, stat: Stat, from: Int64, to: Int64, step: Int64? = nil, groupBy: [String] = [],
        filters: [TagFilter] = []
    ) {
        self.metric = metric
        self.stat = stat
        self.from = from
        self.to = to
        self.step = step
        self.groupBy = groupBy
        self.filters = filters
    }
}

/// One output series: the group's tags and its `(time, value)` points.
public struct ResultSeries: Sendable {
    public var tags: [String: String]
    public var points: [(time: Int64, value: Double)]

    public init(tags: [String: String], points: [(time: Int64, value: Double)]) {
        self.tags = tags
        self.points = points
    }
}

public struct QueryResult: Sendable {
    public var query: MetricQuery
    /// Where the data came from: `raw` samples or a distribution resolution (`10s`, `1m`, `1h`).
    public var source: String
    public var kind: MetricKind?
    public var unit: String
    public var series: [ResultSeries]
}
