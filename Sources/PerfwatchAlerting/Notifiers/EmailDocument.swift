internal import Foundation

/// A document sent by e-mail (the scheduled reports, issue 20): a short text and one attachment, to
/// recipients of its own, through an e-mail channel's SMTP settings (the same `SMTPClient`).
public struct EmailDocument: Sendable {
    public var subject: String
    public var text: String
    public var fileName: String
    public var contentType: String
    public var bytes: [UInt8]

    public init(subject: String, text: String, fileName: String, contentType: String, bytes: [UInt8]) {
        self.subject = subject
        self.text = text
        self.fileName = fileName
        self.contentType = contentType
        self.bytes = bytes
    }

    /// Sends it over `settings` (host, sender, TLS, login) to `recipients` instead of the channel's own.
    public func send(
        over settings: SMTPSettings, to recipients: [String], tls: TLSClientSettings = TLSClientSettings(), timeout: Duration = .seconds(30)
    ) async throws {
        var settings = settings
        settings.to = recipients
        let client = SMTPClient(settings: settings, timeout: timeout, tls: settings.tls == .none ? nil : tls)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try await client.send(message: EmailMessage.render(self, from: settings.from, to: recipients, at: now))
    }
}

extension EmailMessage {
    /// `multipart/mixed`: the text (UTF-8, base64), then the attachment (base64, its file name quoted).
    static func render(_ document: EmailDocument, from: String, to: [String], at now: Int64, boundary: String = "perfwatch-" + UUID().uuidString) -> String {
        let fileName = document.fileName.filter { $0 != "\"" && $0 != "\r" && $0 != "\n" }
        var lines = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(encodeHeader(document.subject))",
            "Date: \(rfc5322Date(ms: now))",
            "Message-ID: <\(UUID().uuidString)@perfwatch>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        lines += base64Lines(document.text)
        lines += [
            "--\(boundary)",
            "Content-Type: \(document.contentType); name=\"\(fileName)\"",
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: attachment; filename=\"\(fileName)\"",
            "",
        ]
        lines += base64Lines(Data(document.bytes))
        lines += ["--\(boundary)--", ""]
        return lines.joined(separator: "\r\n")
    }

    static func base64Lines(_ data: Data) -> [String] {
        let encoded = data.base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }
}
