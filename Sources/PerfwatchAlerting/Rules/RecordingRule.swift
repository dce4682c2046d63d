internal import PerfwatchConfig

/// A Prometheus recording rule (`record:` + `expr:` in a rule file): evaluated with its group, each element of the
/// result stored as a gauge sample named `record`, labelled with the element's labels plus the rule's `labels`.
public struct RecordingRule: Sendable, Hashable, Codable {
    public var record: String
    public var expr: String
    public var labels: [String: String]

    public init(record: String, expr: String, labels: [String: String] = [:]) {
        self.record = record
        self.expr = expr
        self.labels = labels
    }

    static func parse(_ node: ConfigNode) throws(ConfigError) -> RecordingRule {
        try node.checkKeys(["record", "expr", "labels"])
        let recordNode = try node.required("record")
        let record = try recordNode.string()
        // Prometheus' metric name syntax: what the recorded series is selected by afterwards.
        guard let first = record.unicodeScalars.first, !("0"..."9").contains(first),
            record.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == ":" })
        else { throw .invalid(recordNode, "\"\(record)\" is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)") }
        return RecordingRule(record: record, expr: try AlertRule.parseExpr(node.required("expr")), labels: try node["labels"]?.stringMap() ?? [:])
    }
}

/// Where recording rules' results go (the server appends them to its store).
public protocol RecordingRuleSink: Sendable {
    func record(_ rule: RecordingRule, _ samples: [AlertSample], at timeMs: Int64) async throws
}
