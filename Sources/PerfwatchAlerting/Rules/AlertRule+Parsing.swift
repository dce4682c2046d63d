public import Foundation
internal import PerfwatchConfig
internal import PerfwatchPromQL

/// The statistics a rule may ask for; anything else is rejected when the rule is read.
enum AlertStat {
    static let names: Set<String> = ["count", "sum", "avg", "mean", "min", "max", "rate", "last"]

    static func isValid(_ text: String) -> Bool {
        if names.contains(text) { return true }
        guard text.hasPrefix("p"), let number = Double(text.dropFirst()) else { return false }
        return number >= 0 && number <= 100
    }
}

extension AlertRule {
    static let fieldNames = ["alert", "query", "expr", "op", "threshold", "for", "keep_firing_for", "no_data", "labels", "annotations"]

    /// Reads one rule, throwing an error that names the offending field. A rule has `query:` (Perfwatch's form, with
    /// `op` and `threshold`) or `expr:` (PromQL; `op`/`threshold` optional: without them every element the
    /// expression returns is active, as in Prometheus).
    static func parse(_ node: ConfigNode) throws(ConfigError) -> AlertRule {
        try node.checkKeys(fieldNames)
        let name = try node.required("alert").string()
        guard !name.isEmpty else { throw .invalid(try node.required("alert"), "must not be empty") }
        let query: AlertQuery
        if let exprNode = node["expr"] {
            if node["query"] != nil { throw .invalid(exprNode, "a rule has either query: or expr:, not both") }
            query = AlertQuery(expr: try parseExpr(exprNode))
        } else {
            query = try AlertQuery.parse(node.required("query"))
        }
        var op = ComparisonOperator.present
        var threshold = 0.0
        if query.expr == nil || node["op"] != nil || node["threshold"] != nil {
            let opNode = try node.required("op")
            let opText = try opNode.string()
            guard let parsed = ComparisonOperator(rawValue: opText) else {
                // `present` is what an `expr:` rule without op/threshold gets, not something to write.
                let expected = ComparisonOperator.allCases.filter { $0 != .present }.map(\.rawValue).joined(separator: ", ")
                throw .invalid(opNode, "expected one of \(expected); got \"\(opText)\"")
            }
            op = parsed
            threshold = try node.required("threshold").double()
        }
        let pendingFor = try node["for"]?.duration() ?? .zero
        let keepFiringFor = try node["keep_firing_for"]?.duration() ?? .zero
        var noData = NoDataPolicy.ok
        if let noDataNode = node["no_data"] {
            let text = try noDataNode.string()
            guard let policy = NoDataPolicy(rawValue: text) else {
                throw .invalid(noDataNode, "expected one of ok, alerting, keep; got \"\(text)\"")
            }
            noData = policy
        }
        let labels = try node["labels"]?.stringMap() ?? [:]
        let annotations = try node["annotations"]?.stringMap() ?? [:]
        if let annotationsNode = node["annotations"] {
            for (key, value) in annotations {
                if let problem = AnnotationTemplate.validate(value) {
                    throw .invalid(annotationsNode[key] ?? annotationsNode, problem)
                }
            }
        }
        return AlertRule(
            name: name, query: query, op: op, threshold: threshold, pendingFor: pendingFor,
            keepFiringFor: keepFiringFor, noData: noData, labels: labels, annotations: annotations)
    }

    /// A PromQL expression that parses and answers an instant vector or a scalar; errors keep the position.
    static func parseExpr(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.string()
        let expr: Expr
        do {
            expr = try PromQLParser.parse(text)
        } catch let error as PromQLError {
            throw .invalid(node, "PromQL \(error.description)")
        } catch {
            throw .invalid(node, "PromQL \(error)")
        }
        guard expr.type == .vector || expr.type == .scalar else {
            throw .invalid(node, "PromQL expression must be an instant vector or a scalar, got \(expr.type.rawValue)")
        }
        return text
    }

    /// Decodes a rule sent as JSON (the `/api/v1/alert-rules` body) with the same
    /// validation as rule files; the error names the field, e.g. `op: expected one of …`.
    public static func decodeJSON(_ data: Data) throws(AlertingError) -> AlertRule {
        do throws(ConfigError) {
            return try parse(ConfigNode.parseJSON(data))
        } catch {
            throw AlertingError(error)
        }
    }

    /// Encodes with the rule-file field names (durations as `5m`), stable key order.
    public func encodeJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain strings, numbers and maps cannot fail.
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}

extension AlertQuery {
    static func parse(_ node: ConfigNode) throws(ConfigError) -> AlertQuery {
        try node.checkKeys(["metric", "stat", "by", "where", "window", "ratio_to"])
        let metric = try node.required("metric").string()
        guard !metric.isEmpty else { throw .invalid(try node.required("metric"), "must not be empty") }
        let stat = try parseStat(node.required("stat"))
        let by = try node["by"]?.stringList() ?? []
        var filters: [String] = []
        if let whereNode = node["where"] {
            let items: [ConfigNode]
            if case .scalar = whereNode.value { items = [whereNode] } else { items = try whereNode.sequence() }
            for item in items {
                let text = try item.string()
                guard AlertQuery.parseFilter(text) != nil else {
                    throw .invalid(item, "expected key=value or key!=value; got \"\(text)\"")
                }
                filters.append(text)
            }
        }
        let window = try node["window"]?.duration() ?? .seconds(300)
        guard window > .zero else { throw .invalid(try node.required("window"), "must be greater than 0") }
        var ratio: RatioDenominator?
        if let ratioNode = node["ratio_to"] {
            try ratioNode.checkKeys(["metric", "stat"])
            ratio = RatioDenominator(
                metric: try ratioNode.required("metric").string(), stat: try parseStat(ratioNode.required("stat")))
        }
        return AlertQuery(metric: metric, stat: stat, by: by, filters: filters, window: window, ratioTo: ratio)
    }

    private static func parseStat(_ node: ConfigNode) throws(ConfigError) -> String {
        let stat = try node.string()
        guard AlertStat.isValid(stat) else {
            throw .invalid(node, "expected count, sum, avg, min, max, rate, last or a percentile like p95; got \"\(stat)\"")
        }
        return stat
    }
}
