import Foundation
import PerfwatchAlerting
import PerfwatchModel

/// `/api/v1/rules` in Prometheus' shape, from Perfwatch's alerting state: every rule group, each rule as an
/// alerting rule with its pending/firing alerts (Grafana's rule list reads this). An `expr:` rule's `query` is its
/// PromQL; a `query:` rule's is written in Perfwatch's query form (`p95(http.server.duration) by (route) > 800 over 300s`).
enum PromAPIRules {
    static func data(groups: [AlertRuleGroup], statuses: [RuleEvaluationStatus], alerts: [AlertInstanceSnapshot], type: String?) -> String {
        var statusByKey: [String: RuleEvaluationStatus] = [:]
        for status in statuses { statusByKey[status.groupName + "\u{0}" + status.ruleName] = status }
        var out = "{\"groups\":["
        for (groupIndex, group) in groups.enumerated() {
            if groupIndex > 0 { out += "," }
            out += "{\"name\":"
            JSONString.append(group.name, to: &out)
            out += ",\"file\":"
            JSONString.append(group.source ?? "defaults", to: &out)
            out += ",\"interval\":" + seconds(group.interval) + ",\"rules\":["
            // Perfwatch has alerting rules only: a `type=record` filter lists none.
            let rules = type == "record" ? [] : group.rules
            for (ruleIndex, rule) in rules.enumerated() {
                if ruleIndex > 0 { out += "," }
                let status = statusByKey[group.name + "\u{0}" + rule.name]
                let ruleAlerts = alerts.filter {
                    $0.groupName == group.name && $0.ruleName == rule.name && ($0.state == .pending || $0.state == .firing)
                }
                appendRule(rule, status: status, alerts: ruleAlerts, to: &out)
            }
            out += "]}"
        }
        return out + "]}"
    }

    private static func appendRule(_ rule: AlertRule, status: RuleEvaluationStatus?, alerts: [AlertInstanceSnapshot], to out: inout String) {
        out += "{\"state\":"
        let state = alerts.contains { $0.state == .firing } ? "firing" : (alerts.isEmpty ? "inactive" : "pending")
        JSONString.append(state, to: &out)
        out += ",\"name\":"
        JSONString.append(rule.name, to: &out)
        out += ",\"query\":"
        JSONString.append(queryText(rule), to: &out)
        out += ",\"duration\":" + seconds(rule.pendingFor) + ",\"labels\":"
        JSONString.appendObject(rule.labels, to: &out)
        out += ",\"annotations\":"
        JSONString.appendObject(rule.annotations, to: &out)
        out += ",\"alerts\":["
        for (index, alert) in alerts.enumerated() {
            if index > 0 { out += "," }
            out += "{\"labels\":"
            JSONString.appendObject(alert.labels.merging(["alertname": rule.name]) { own, _ in own }, to: &out)
            out += ",\"annotations\":"
            JSONString.appendObject(alert.annotations, to: &out)
            out += ",\"state\":"
            JSONString.append(alert.state.rawValue, to: &out)
            out += ",\"activeAt\":"
            JSONString.append(rfc3339(alert.activeAt), to: &out)
            out += ",\"value\":"
            JSONString.append(alert.value.map { "\($0)" } ?? "NaN", to: &out)
            out += "}"
        }
        let health: String
        switch status?.health {
        case .error: health = "err"
        case .ok, .noData: health = "ok"
        default: health = "unknown"
        }
        out += "],\"health\":\"" + health + "\""
        if let error = status?.lastError {
            out += ",\"lastError\":"
            JSONString.append(error, to: &out)
        }
        out += ",\"evaluationTime\":" + String((status?.lastDurationMs ?? 0) / 1000)
        out += ",\"lastEvaluation\":"
        JSONString.append(status?.lastEvaluatedAt.map(rfc3339) ?? "0001-01-01T00:00:00Z", to: &out)
        out += ",\"type\":\"alerting\"}"
    }

    /// An `expr:` rule's PromQL, or Perfwatch's own query form, readable beside PromQL rules.
    static func queryText(_ rule: AlertRule) -> String {
        if let expr = rule.query.expr {
            return rule.op == .present ? expr : "(\(expr)) \(rule.op.rawValue) \(rule.threshold)"
        }
        var text = "\(rule.query.stat)(\(rule.query.metric))"
        if !rule.query.filters.isEmpty { text += "{" + rule.query.filters.joined(separator: ",") + "}" }
        if let ratio = rule.query.ratioTo { text += " / \(ratio.stat)(\(ratio.metric))" }
        if !rule.query.by.isEmpty { text += " by (" + rule.query.by.joined(separator: ", ") + ")" }
        return text + " \(rule.op.rawValue) \(rule.threshold) over \(seconds(rule.query.window))s"
    }

    private static func seconds(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return PromAPIJSON.time(ms)
    }

    private static func rfc3339(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
