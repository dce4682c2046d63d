internal import PerfwatchModel

/// One alerting rule: a query, a comparison with a threshold, and the timing that turns a
/// crossing into a firing alert. Mirrors a Prometheus alerting rule, with the condition in
/// our query form instead of `expr:`.
///
/// Encodes to (and, through ``AlertRule/decodeJSON(_:)``, decodes from) the same field
/// names as the rule files: `alert`, `query`, `op`, `threshold`, `for`, `keep_firing_for`,
/// `no_data`, `labels`, `annotations`.
public struct AlertRule: Sendable, Hashable, Codable {
    /// The alert name (`alert:` in the file); unique within its group.
    public var name: String
    public var query: AlertQuery
    public var op: ComparisonOperator
    public var threshold: Double
    /// How long the condition must hold before the alert fires.
    public var pendingFor: Duration
    /// How long a firing alert stays firing after the condition stops holding (anti-flapping).
    public var keepFiringFor: Duration
    public var noData: NoDataPolicy
    /// Labels added to every instance (e.g. `severity: critical`); routing matches on these.
    public var labels: [String: String]
    /// Templates rendered per instance, see ``AnnotationTemplate``.
    public var annotations: [String: String]

    public init(
        name: String, query: AlertQuery, op: ComparisonOperator, threshold: Double,
        pendingFor: Duration = .zero, keepFiringFor: Duration = .zero, noData: NoDataPolicy = .ok,
        labels: [String: String] = [:], annotations: [String: String] = [:]
    ) {
        self.name = name
        self.query = query
        self.op = op
        self.threshold = threshold
        self.pendingFor = pendingFor
        self.keepFiringFor = keepFiringFor
        self.noData = noData
        self.labels = labels
        self.annotations = annotations
    }

    /// `severity` label, `warning` when the rule sets none.
    public var severity: String { labels["severity"] ?? "warning" }

    enum CodingKeys: String, CodingKey {
        case name = "alert", query, expr, op, threshold, pendingFor = "for", keepFiringFor = "keep_firing_for"
        case noData = "no_data", labels, annotations
    }

    /// Decoding through `Codable` is lenient plumbing for stored rules; input from users
    /// goes through ``decodeJSON(_:)`` which names the offending field.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func duration(_ key: CodingKeys) throws -> Duration {
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return .zero }
            guard let parsed = try? DurationText.parse(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "invalid duration \(text)")
            }
            return parsed
        }
        name = try container.decode(String.self, forKey: .name)
        if let expr = try container.decodeIfPresent(String.self, forKey: .expr) {
            query = AlertQuery(expr: expr)
        } else {
            query = try container.decode(AlertQuery.self, forKey: .query)
        }
        op = try container.decode(ComparisonOperator.self, forKey: .op)
        threshold = try container.decode(Double.self, forKey: .threshold)
        pendingFor = try duration(.pendingFor)
        keepFiringFor = try duration(.keepFiringFor)
        noData = try container.decodeIfPresent(NoDataPolicy.self, forKey: .noData) ?? .ok
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        // `expr:` beside `alert:` as in a rule file (and Prometheus'), so stored rules read back through `parse`.
        if let expr = query.expr {
            try container.encode(expr, forKey: .expr)
        } else {
            try container.encode(query, forKey: .query)
        }
        try container.encode(op, forKey: .op)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(AlertDuration.format(pendingFor), forKey: .pendingFor)
        try container.encode(AlertDuration.format(keepFiringFor), forKey: .keepFiringFor)
        try container.encode(noData, forKey: .noData)
        try container.encode(labels, forKey: .labels)
        try container.encode(annotations, forKey: .annotations)
    }
}

/// A named set of rules evaluated together on one interval.
public struct AlertRuleGroup: Sendable, Hashable, Codable {
    public var name: String
    public var interval: Duration
    public var rules: [AlertRule]
    /// Where the group came from (`rules/api.yml`, `database`, `defaults`), for diagnostics.
    public var source: String?

    public init(name: String, interval: Duration = .seconds(15), rules: [AlertRule], source: String? = nil) {
        self.name = name
        self.interval = interval
        self.rules = rules
        self.source = source
    }

    enum CodingKeys: String, CodingKey { case name, interval, rules, source }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        let text = try container.decodeIfPresent(String.self, forKey: .interval) ?? "15s"
        guard let interval = try? DurationText.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: .interval, in: container, debugDescription: "invalid duration \(text)")
        }
        self.interval = interval
        rules = try container.decode([AlertRule].self, forKey: .rules)
        source = try container.decodeIfPresent(String.self, forKey: .source)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(AlertDuration.format(interval), forKey: .interval)
        try container.encode(rules, forKey: .rules)
        try container.encodeUnlessNil(source, forKey: .source)
    }
}
