import Foundation
import PerfwatchAlerting
import Testing

/// Opt-in interop check against a real aiosmtpd (the e2e suite's SMTP sink):
/// `python -m aiosmtpd -n -l 127.0.0.1:2525` then `AIOSMTPD_PORT=2525 swift test --filter Aiosmtpd`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["AIOSMTPD_PORT"] != nil))
struct AiosmtpdInteropTests {
    @Test func sendsToAiosmtpd() async throws {
        let port = try #require(Int(ProcessInfo.processInfo.environment["AIOSMTPD_PORT"] ?? ""))
        let settings = SMTPSettings(host: "127.0.0.1", port: port, from: "perfwatch@example.com", to: ["oncall@example.com"])
        try await EmailNotifier(settings: settings, timeout: .seconds(5)).send(notification([checkoutAlert()], receiver: "mail"))
    }
}
