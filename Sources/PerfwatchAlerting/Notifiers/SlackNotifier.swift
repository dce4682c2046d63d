internal import Foundation

/// Posts to a Slack incoming webhook: a one-line `text` (what phones show in the push
/// notification) and a colored attachment with one section per alert — red while
/// firing, green when resolved.
///
/// Slack's incoming webhooks are `https://hooks.slack.com/…`; certificates are verified
/// against the system trust store unless the channel says otherwise.
public struct SlackNotifier: Notifier {
    public var url: String
    public var timeout: Duration
    let post: NotificationPost

    public init(url: String, timeout: Duration = .seconds(10), tls: TLSClientSettings = TLSClientSettings()) {
        self.url = url
        self.timeout = timeout
        post = NotificationPost(url: url, tls: tls)
    }

    public func send(_ notification: AlertNotification) async throws {
        try await post.send(body: Self.payload(notification), timeout: timeout)
    }

    static let firingColor = "#d92d20"
    static let resolvedColor = "#2eb67d"

    /// The headline, e.g. `🔥 FIRING: p95 of GET /checkout is 2.4 s (threshold 2 s) for 5 min`.
    public static func headline(_ notification: AlertNotification) -> String {
        let firing = notification.status == .firing
        let icon = notification.reason == .escalation ? "🚨 ESCALATED" : firing ? "🔥 FIRING" : "✅ RESOLVED"
        let relevant = firing ? notification.firing : notification.resolved
        if relevant.count == 1, let only = relevant.first { return "\(icon): \(only.summary)" }
        let name = notification.commonLabels["alertname"] ?? notification.groupLabels["alertname"] ?? "alerts"
        return "\(icon) (\(relevant.count)): \(name)"
    }

    public static func payload(_ notification: AlertNotification) -> [UInt8] {
        var blocks: [[String: Any]] = []
        for alert in notification.alerts.prefix(40) {
            let mark = alert.status == .firing ? "🔥" : "✅"
            var text = "\(mark) *\(escape(alert.summary))*"
            if let description = alert.annotations["description"] { text += "\n" + escape(description) }
            let labels = alert.labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }.map { "`\($0.key)=\($0.value)`" }
            if !labels.isEmpty { text += "\n" + labels.joined(separator: " ") }
            text += "\n<\(alert.generatorURL)|Open in Perfwatch>"
            if let ack = alert.acknowledgement { text += " · acknowledged by \(escape(ack.by))" }
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": text]])
        }
        if notification.alerts.count > 40 {
            blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": "and \(notification.alerts.count - 40) more"]]])
        }
        let body: [String: Any] = [
            "text": headline(notification),
            "attachments": [["color": notification.status == .firing ? firingColor : resolvedColor, "blocks": blocks]],
        ]
        return Array((try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    /// Slack mrkdwn needs only these three escaped.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
