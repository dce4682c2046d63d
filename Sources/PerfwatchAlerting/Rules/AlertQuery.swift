internal import Foundation
internal import PerfwatchModel

/// The condition's query in Perfwatch's query form: one statistic of one metric over a
/// trailing window, grouped by labels. Each label set of the result is one alert instance.
///
/// Kept separate from the query engine's own types so the alerting module depends only on
/// the pure Model and Config targets; the server's ``AlertDataSource`` translates it. A future PromQL `expr:`
/// would be another case behind the same data-source interface.
public struct AlertQuery: Sendable, Hashable, Codable {
    /// Metric name, e.g. `http.server.duration`. Unknown metrics are accepted (no data).
    public var metric: String
    /// Statistic: `count`, `sum`, `avg`, `min`, `max`, `rate`, `last`, or a percentile `p95`.
    public var stat: String
    /// Labels to group by; one alert instance per distinct combination.
    public var by: [String]
    /// Filters `key=value` / `key!=value`.
    public var filters: [String]
    /// Trailing window the statistic is computed over.
    public var window: Duration
    /// When set, the value is `this / ratioTo` per label set (error rate = errors / requests).
    public var ratioTo: RatioDenominator?
    /// A PromQL expression (`expr:` in a rule file) in place of metric/stat/by/where/window: each element of its
    /// instant vector (labels without `__name__`) is one label set; a scalar is one without labels.
    public var expr: String?

    public init(metric: String, stat: String, by: [String] = [], filters: [String] = [], window: Duration = .seconds(300), ratioTo: RatioDenominator? = nil) {
        self.metric = metric
        self.stat = stat
        self.by = by
        self.filters = filters
        self.window = window
        self.ratioTo = ratioTo
    }

    /// A PromQL query: evaluated at the rule's evaluation time (its own ranges say how far back it looks).
    public init(expr: String) {
        self.init(metric: "", stat: "expr")
        self.expr = expr
    }

    /// The denominator of a ratio query; grouping, filters and window are the numerator's.
    public struct RatioDenominator: Sendable, Hashable, Codable {
        public var metric: String
        public var stat: String
        public init(metric: String, stat: String) {
            self.metric = metric
            self.stat = stat
        }
    }

    /// The same query with `ratioTo` as its metric: what the evaluator asks the data source
    /// for when computing a ratio (data sources only answer single-metric queries).
    public var denominatorQuery: AlertQuery? {
        guard let ratioTo else { return nil }
        return AlertQuery(metric: ratioTo.metric, stat: ratioTo.stat, by: by, filters: filters, window: window)
    }

    /// The query without its ratio part.
    public var numeratorQuery: AlertQuery {
        var copy = self
        copy.ratioTo = nil
        return copy
    }

    /// Parsed filters as (key, value, negated).
    public var parsedFilters: [(key: String, value: String, negated: Bool)] {
        filters.compactMap(Self.parseFilter)
    }

    static func parseFilter(_ text: String) -> (key: String, value: String, negated: Bool)? {
        if let range = text.range(of: "!=") {
            let key = String(text[..<range.lowerBound]).trimmingCharacters(in: .whitespaces)
            return key.isEmpty ? nil : (key, String(text[range.upperBound...]).trimmingCharacters(in: .whitespaces), true)
        }
        guard let index = text.firstIndex(of: "=") else { return nil }
        let key = String(text[..<index]).trimmingCharacters(in: .whitespaces)
        return key.isEmpty ? nil : (key, String(text[text.index(after: index)...]).trimmingCharacters(in: .whitespaces), false)
    }

    enum CodingKeys: String, CodingKey {
        case metric, stat, by, filters = "where", window, ratioTo = "ratio_to", expr
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        expr = try container.decodeIfPresent(String.self, forKey: .expr)
        // An expr query has no metric or stat (`init(expr:)` names them "" and "expr").
        metric = expr == nil ? try container.decode(String.self, forKey: .metric) : ""
        stat = expr == nil ? try container.decode(String.self, forKey: .stat) : "expr"
        by = try container.decodeIfPresent([String].self, forKey: .by) ?? []
        filters = try container.decodeIfPresent([String].self, forKey: .filters) ?? []
        let windowText = try container.decodeIfPresent(String.self, forKey: .window) ?? "5m"
        guard let window = try? DurationText.parse(windowText) else {
            throw DecodingError.dataCorruptedError(forKey: .window, in: container, debugDescription: "invalid duration \(windowText)")
        }
        self.window = window
        ratioTo = try container.decodeIfPresent(RatioDenominator.self, forKey: .ratioTo)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let expr {
            try container.encode(expr, forKey: .expr)
            return
        }
        try container.encode(metric, forKey: .metric)
        try container.encode(stat, forKey: .stat)
        if !by.isEmpty { try container.encode(by, forKey: .by) }
        if !filters.isEmpty { try container.encode(filters, forKey: .filters) }
        try container.encode(AlertDuration.format(window), forKey: .window)
        try container.encodeUnlessNil(ratioTo, forKey: .ratioTo)
    }
}
