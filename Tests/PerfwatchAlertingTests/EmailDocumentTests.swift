import Foundation
import PerfwatchAlerting
import PerfwatchAlertingTesting
import Testing

/// Scheduled reports (issue 20) go out as one e-mail with the report attached, over an e-mail channel's
/// SMTP settings but to the report's own recipients.
@Suite struct EmailDocumentTests {
    @Test func documentArrivesAsAnAttachmentToItsOwnRecipients() async throws {
        let sink = try await SMTPTestSink.start()
        defer { Task { await sink.stop() } }
        let settings = SMTPSettings(host: "127.0.0.1", port: sink.port, from: "perfwatch@example.com", to: ["oncall@example.com"])
        let bytes: [UInt8] = Array("%PDF-1.4\n".utf8) + (0..<300).map { UInt8($0 % 256) }
        let document = EmailDocument(
            subject: "Perfwatch report: weekly", text: "The weekly report is attached.\n", fileName: "weekly-2026-12-01.pdf",
            contentType: "application/pdf", bytes: bytes)
        try await document.send(over: settings, to: ["cto@example.com", "team@example.com"], timeout: .seconds(20))
        let message = try #require(sink.messages.first)
        #expect(message.recipients == ["cto@example.com", "team@example.com"])
        #expect(message.header("Subject") == "Perfwatch report: weekly")
        #expect(message.header("Content-Type")?.hasPrefix("multipart/mixed") == true)
        #expect(message.part("text/plain") == "The weekly report is attached.\n")
        #expect(message.data.contains("Content-Disposition: attachment; filename=\"weekly-2026-12-01.pdf\""))
        // The attachment's base64 decodes back to the exact bytes.
        let section = try #require(message.data.components(separatedBy: "\r\n--").first { $0.contains("Content-Type: application/pdf") })
        let encoded = try #require(section.components(separatedBy: "\r\n\r\n").last).replacingOccurrences(of: "\r\n", with: "")
        #expect(Data(base64Encoded: encoded).map(Array.init) == bytes)
    }
}
