internal import Foundation

/// Builds the RFC 5322 / MIME text of an alert email: a `multipart/alternative` body with
/// a plain-text and an HTML part, both UTF-8 in base64 (safe for any label content and
/// line length), and an RFC 2047 encoded subject when it is not ASCII.
enum EmailMessage {
    static func render(_ notification: AlertNotification, from: String, to: [String], at now: Int64, boundary: String = "perfwatch-" + UUID().uuidString) -> String {
        let subject = notification.title
        var lines = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(encodeHeader(subject))",
            "Date: \(rfc5322Date(ms: now))",
            "Message-ID: <\(UUID().uuidString)@perfwatch>",
            "MIME-Version: 1.0",
            "X-Perfwatch-Group-Key: \(encodeHeader(notification.groupKey))",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        lines += base64Lines(plainText(notification))
        lines += ["--\(boundary)", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", ""]
        lines += base64Lines(html(notification))
        lines += ["--\(boundary)--", ""]
        return lines.joined(separator: "\r\n")
    }

    static func plainText(_ notification: AlertNotification) -> String {
        var text = notification.title + "\n\n"
        for alert in notification.alerts {
            text += "[\(alert.status.rawValue.uppercased())] \(alert.summary)\n"
            if let description = alert.annotations["description"] { text += "  \(description)\n" }
            text += "  labels: \(alert.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))\n"
            text += "  since: \(RFC3339.format(ms: alert.startsAt))"
            if let ended = alert.endsAt { text += ", resolved: \(RFC3339.format(ms: ended))" }
            text += "\n  \(alert.generatorURL)\n\n"
        }
        return text
    }

    static func html(_ notification: AlertNotification) -> String {
        var rows = ""
        for alert in notification.alerts {
            let color = alert.status == .firing ? "#d92d20" : "#2eb67d"
            let labels = alert.labels.sorted { $0.key < $1.key }.map { "\(escape($0.key))=\(escape($0.value))" }.joined(separator: ", ")
            rows += """
                <tr><td style="color:\(color);font-weight:bold">\(alert.status.rawValue.uppercased())</td>\
                <td><a href="\(escape(alert.generatorURL))">\(escape(alert.summary))</a><br><small>\(labels)</small></td></tr>

                """
        }
        return """
            <!doctype html><html><body style="font-family:sans-serif">
            <h2>\(escape(notification.title))</h2>
            <table cellpadding="6">
            \(rows)</table>
            <p><a href="\(escape(notification.externalURL))/alerts">Open alerts in Perfwatch</a></p>
            </body></html>
            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func encodeHeader(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.allSatisfy({ $0.isASCII }) { return clean }
        return "=?UTF-8?B?" + Data(clean.utf8).base64EncodedString() + "?="
    }

    static func base64Lines(_ text: String) -> [String] { base64Lines(Data(text.utf8)) }

    static func rfc5322Date(ms: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}

/// Sends each notification as one email to the channel's recipients over SMTP.
public struct EmailNotifier: Notifier {
    public var settings: SMTPSettings
    public var timeout: Duration
    let client: SMTPClient

    public init(settings: SMTPSettings, timeout: Duration = .seconds(10), tls: TLSClientSettings = TLSClientSettings()) {
        self.settings = settings
        self.timeout = timeout
        client = SMTPClient(settings: settings, timeout: timeout, tls: settings.tls == .none ? nil : tls)
    }

    public func send(_ notification: AlertNotification) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let message = EmailMessage.render(notification, from: settings.from, to: settings.to, at: now)
        try await client.send(message: message)
    }
}
