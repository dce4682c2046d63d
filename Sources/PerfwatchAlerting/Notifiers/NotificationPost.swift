internal import NIOSSL
internal import PerfwatchHTTPClient

/// How the webhook and Slack notifiers POST: through the process's shared HTTP client
/// (`OutboundHTTP`), with the channel's TLS settings, failures turned into the
/// ``AlertingError`` codes the delivery log shows (`connect_failed`, `timeout`, `tls_*`,
/// `http_status`). The dispatcher retries; anything but 2xx is worth retrying.
struct NotificationPost: Sendable {
    let url: String
    /// Built once per channel (loading a CA file is expensive); `nil` for http:// targets, a
    /// failure is reported on every send.
    let tlsConfiguration: Result<TLSConfiguration, AlertingError>?

    init(url: String, tls: TLSClientSettings) {
        self.url = url
        tlsConfiguration = url.lowercased().hasPrefix("https://")
            ? Result(catching: { () throws(AlertingError) -> TLSConfiguration in try tls.makeConfiguration() }) : nil
    }

    func send(body: [UInt8], timeout: Duration) async throws {
        let target = try HTTPTarget(url: url)
        let tls = try tlsConfiguration?.get()
        let request = OutboundRequest(
            method: "POST", url: url, headers: [("User-Agent", "perfwatch-alerting"), ("Content-Type", "application/json")], body: body,
            timeout: timeout, tls: tls, maxResponseBytes: 64 * 1024)
        let response: OutboundResponse
        do {
            response = try await OutboundHTTP.send(request)
        } catch {
            throw Self.alertingError(error, target: target, timeout: timeout)
        }
        guard response.isSuccess else {
            throw AlertingError(code: "http_status", message: "HTTP \(response.status): \(response.text.prefix(200))")
        }
    }

    static func alertingError(_ error: OutboundHTTPError, target: HTTPTarget, timeout: Duration) -> any Error {
        let peer = target.hostHeader
        switch error.kind {
        case .timeout:
            return AlertingError(code: "timeout", message: "no answer from \(peer) within \(AlertDuration.format(timeout))")
        case .tls:
            return TLSClientSupport.describe(error.underlying, peer: peer)
                ?? AlertingError(code: "tls_failed", message: "TLS with \(peer) failed: \(error.underlying)")
        case .connect:
            return AlertingError(code: "connect_failed", message: "cannot connect to \(peer): \(error.underlying)")
        case .closed where target.isTLS:
            // A peer that is not speaking TLS usually just closes the connection.
            return AlertingError(
                code: "tls_failed", message: "TLS with \(peer) failed: connection closed during the exchange (\(error.underlying)); is it an https server?")
        case .closed:
            return AlertingError(code: "no_response", message: "connection closed before a complete response")
        case .invalidURL:
            return AlertingError(code: "invalid_url", message: "\(error)")
        case .other:
            return error.underlying
        }
    }
}
