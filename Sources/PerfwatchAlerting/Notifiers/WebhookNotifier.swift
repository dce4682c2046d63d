internal import Foundation

/// Posts the Alertmanager v4 webhook payload, so any Alertmanager webhook receiver works
/// unchanged. See `docs/alerting.md` for the field list.
public struct WebhookNotifier: Notifier {
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

    /// The Alertmanager v4 webhook JSON for a notification.
    public static func payload(_ notification: AlertNotification) -> [UInt8] {
        let body = Payload(
            version: "4", groupKey: notification.groupKey, truncatedAlerts: 0, status: notification.status.rawValue,
            receiver: notification.receiver, groupLabels: notification.groupLabels, commonLabels: notification.commonLabels,
            commonAnnotations: notification.commonAnnotations, externalURL: notification.externalURL,
            alerts: notification.alerts.map { alert in
                Payload.Item(
                    status: alert.status.rawValue, labels: alert.labels, annotations: alert.annotations,
                    startsAt: RFC3339.format(ms: alert.startsAt), endsAt: alert.endsAt.map { RFC3339.format(ms: $0) } ?? RFC3339.zeroTime,
                    generatorURL: alert.generatorURL, fingerprint: alert.fingerprint)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(body)) ?? Data())
    }

    struct Payload: Encodable {
        struct Item: Encodable {
            var status: String
            var labels: [String: String]
            var annotations: [String: String]
            var startsAt: String
            var endsAt: String
            var generatorURL: String
            var fingerprint: String
        }

        var version: String
        var groupKey: String
        var truncatedAlerts: Int
        var status: String
        var receiver: String
        var groupLabels: [String: String]
        var commonLabels: [String: String]
        var commonAnnotations: [String: String]
        var externalURL: String
        var alerts: [Item]
    }
}
