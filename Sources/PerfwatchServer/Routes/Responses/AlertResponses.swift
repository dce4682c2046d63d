import PerfwatchAlerting
import PerfwatchIngest
import PerfwatchModel

/// `GET /api/v1/alerts`: current instances, the history in the range, and statistics.
struct AlertListResponse: Encodable {
    let active: [AlertInstanceSnapshot]
    let history: [AlertHistoryEntry]
    let statistics: AlertStatistics
}

/// One line of alert history as the API writes it.
struct AlertHistoryEntry: Encodable {
    let kind: String
    let alertId: String
    let rule: String
    let group: String
    let labels: EmbeddedJSON
    let severity: String
    let message: String
    let threshold: Double
    let value: Double?
    let activeAt: Int64
    let firedAt: Int64?
    let resolvedAt: Int64?
    let acknowledgedBy: String?
    let acknowledgedAt: Int64?
    let at: Int64
    let silenced: Bool

    init(_ record: AlertHistoryRecord) {
        kind = record.kind
        alertId = record.alertID
        rule = record.rule
        group = record.group
        labels = EmbeddedJSON(text: record.labelsJSON, fallback: .object([]))
        severity = record.severity
        message = record.message
        threshold = record.threshold
        value = record.value
        activeAt = record.activeMs
        firedAt = record.firedMs
        resolvedAt = record.resolvedMs
        acknowledgedBy = record.acknowledgedBy
        acknowledgedAt = record.acknowledgedMs
        at = record.atMs
        silenced = record.silenced
    }
}

/// Alerts fired per rule (most first), mean time from firing to acknowledgement and to
/// resolution (nil when nothing was acknowledged or resolved).
struct AlertStatistics: Encodable {
    struct RuleCount: Encodable {
        let rule: String
        let count: Int
    }

    let firedPerRule: [RuleCount]
    let meanTimeToAcknowledgeMs: Double?
    let meanTimeToResolveMs: Double?

    init(_ records: [AlertHistoryRecord]) {
        var fired: [String: Int] = [:]
        var toAck: [Double] = []
        var toResolve: [Double] = []
        for record in records {
            switch record.kind {
            case "firing": fired[record.rule, default: 0] += 1
            case "acknowledged":
                if let at = record.acknowledgedMs, let firedAt = record.firedMs { toAck.append(Double(at - firedAt)) }
            case "resolved":
                if let at = record.resolvedMs, let firedAt = record.firedMs { toResolve.append(Double(at - firedAt)) }
            default: break
            }
        }
        firedPerRule = fired.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { RuleCount(rule: $0.key, count: $0.value) }
        meanTimeToAcknowledgeMs = toAck.isEmpty ? nil : toAck.reduce(0, +) / Double(toAck.count)
        meanTimeToResolveMs = toResolve.isEmpty ? nil : toResolve.reduce(0, +) / Double(toResolve.count)
    }
}

/// `POST /api/v1/rules/reload`: the rule-file problems found (the rules in force stay).
struct RulesReloaded: Encodable {
    var reloaded = true
    let problems: [String]
}

/// `GET /api/v1/silences`.
struct SilenceList: Encodable {
    let silences: [Silence]
}

/// `GET /api/v1/alerts/notifications`: in-app notifications, newest first.
struct NotificationList: Encodable {
    struct Entry: Encodable {
        let at: Int64
        let notification: AlertNotification
    }

    let notifications: [Entry]
}

/// `GET /api/v1/alerts/deliveries`: the last delivery attempts, newest first.
struct DeliveryList: Encodable {
    let deliveries: [DeliveryAttempt]
}

/// `GET /api/v1/alert-rules`: `rules` is the flat list with source and status;
/// `groups`/`statuses` are kept for older dashboards; `problems` are the rule-file errors of
/// the last load.
struct AlertRuleList: Encodable {
    let rules: [AlertRoutes.RuleEntry]
    let groups: [AlertRuleGroup]
    let statuses: [RuleEvaluationStatus]
    let problems: [String]
}

/// One rule in force (`GET`, `POST`, `PUT /api/v1/alert-rules[/:name]`).
struct AlertRuleResponse: Encodable {
    let rule: AlertRoutes.RuleEntry?
}

extension ErrorResponse {
    /// A refusal whose code the HTTP layer does not map from `PerfwatchError` (`conflict`).
    init(code: String, message: String) {
        error = Detail(code: code, message: message)
    }
}
