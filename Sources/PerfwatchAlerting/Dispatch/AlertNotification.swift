/// Firing or resolved, as in Alertmanager payloads.
public enum AlertStatus: String, Sendable, Codable, Hashable {
    case firing, resolved
}

/// An alert as notifications present it: one firing (or just resolved) instance with its
/// full labels (`alertname`, rule labels, query labels) and rendered annotations.
public struct Alert: Sendable, Codable, Hashable, Identifiable {
    public var status: AlertStatus
    /// Stable id of the instance, see ``AlertFingerprint``.
    public var fingerprint: String
    public var ruleName: String
    public var groupName: String
    public var labels: [String: String]
    public var annotations: [String: String]
    /// When it started firing, unix ms.
    public var startsAt: Int64
    /// When it resolved, unix ms.
    public var endsAt: Int64?
    public var value: Double?
    public var threshold: Double
    /// Link back to the rule in the dashboard.
    public var generatorURL: String
    public var acknowledgement: Acknowledgement?

    public var id: String { fingerprint }

    public init(
        status: AlertStatus, fingerprint: String, ruleName: String, groupName: String, labels: [String: String],
        annotations: [String: String], startsAt: Int64, endsAt: Int64? = nil, value: Double?, threshold: Double,
        generatorURL: String, acknowledgement: Acknowledgement? = nil
    ) {
        self.status = status
        self.fingerprint = fingerprint
        self.ruleName = ruleName
        self.groupName = groupName
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.value = value
        self.threshold = threshold
        self.generatorURL = generatorURL
        self.acknowledgement = acknowledgement
    }

    /// The one-line message: the `summary` annotation, else `alertname` and labels.
    public var summary: String {
        annotations["summary"] ?? "\(ruleName) \(labels.filter { $0.key != "alertname" }.sortedDescription)"
    }
}

/// One message for one channel about one group of alerts — what every ``Notifier`` sends.
/// Field names follow the Alertmanager webhook payload.
public struct AlertNotification: Sendable, Codable, Hashable {
    /// Why this message goes out.
    public enum Reason: String, Sendable, Codable {
        /// First message of a group, or its alerts changed.
        case update
        /// Nothing changed, `repeat_interval` elapsed.
        case `repeat`
        /// An escalation step of the route: still firing and unacknowledged.
        case escalation
    }

    /// The channel name (Alertmanager's `receiver`).
    public var receiver: String
    /// Identifies the group across messages, e.g. `route0:{alertname="ApiLatencyHigh"}`.
    public var groupKey: String
    /// `firing` if any alert in the message fires.
    public var status: AlertStatus
    public var groupLabels: [String: String]
    /// Labels every alert in the message shares.
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var externalURL: String
    public var alerts: [Alert]
    public var reason: Reason
    /// 0-based index of the escalation step, for `reason == .escalation`.
    public var escalationStep: Int?

    public init(
        receiver: String, groupKey: String, groupLabels: [String: String], externalURL: String, alerts: [Alert],
        reason: Reason, escalationStep: Int? = nil
    ) {
        self.receiver = receiver
        self.groupKey = groupKey
        self.groupLabels = groupLabels
        self.externalURL = externalURL
        self.alerts = alerts
        self.reason = reason
        self.escalationStep = escalationStep
        status = alerts.contains { $0.status == .firing } ? .firing : .resolved
        commonLabels = Self.common(alerts.map(\.labels))
        commonAnnotations = Self.common(alerts.map(\.annotations))
    }

    public var firing: [Alert] { alerts.filter { $0.status == .firing } }
    public var resolved: [Alert] { alerts.filter { $0.status == .resolved } }

    /// A subject line: `[FIRING:3] ApiLatencyHigh (service=shop)` or, for one alert, its summary.
    public var title: String {
        let prefix = reason == .escalation ? "[ESCALATED] " : ""
        if alerts.count == 1, let only = alerts.first {
            return prefix + (only.status == .firing ? "FIRING: " : "RESOLVED: ") + only.summary
        }
        let counts = status == .firing ? "FIRING:\(firing.count)" : "RESOLVED:\(resolved.count)"
        let name = commonLabels["alertname"] ?? groupLabels["alertname"] ?? "alerts"
        let rest = groupLabels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return prefix + "[\(counts)] \(name)" + (rest.isEmpty ? "" : " (\(rest.joined(separator: ", ")))")
    }

    private static func common(_ maps: [[String: String]]) -> [String: String] {
        guard var result = maps.first else { return [:] }
        for map in maps.dropFirst() {
            result = result.filter { map[$0.key] == $0.value }
        }
        return result
    }
}

// Written by hand so that nil fields stay absent (as in Alertmanager payloads) whichever
// encoder writes them.
extension Alert {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(fingerprint, forKey: .fingerprint)
        try container.encode(ruleName, forKey: .ruleName)
        try container.encode(groupName, forKey: .groupName)
        try container.encode(labels, forKey: .labels)
        try container.encode(annotations, forKey: .annotations)
        try container.encode(startsAt, forKey: .startsAt)
        try container.encodeUnlessNil(endsAt, forKey: .endsAt)
        try container.encodeUnlessNil(value, forKey: .value)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(generatorURL, forKey: .generatorURL)
        try container.encodeUnlessNil(acknowledgement, forKey: .acknowledgement)
    }
}

extension AlertNotification {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(receiver, forKey: .receiver)
        try container.encode(groupKey, forKey: .groupKey)
        try container.encode(status, forKey: .status)
        try container.encode(groupLabels, forKey: .groupLabels)
        try container.encode(commonLabels, forKey: .commonLabels)
        try container.encode(commonAnnotations, forKey: .commonAnnotations)
        try container.encode(externalURL, forKey: .externalURL)
        try container.encode(alerts, forKey: .alerts)
        try container.encode(reason, forKey: .reason)
        try container.encodeUnlessNil(escalationStep, forKey: .escalationStep)
    }
}
