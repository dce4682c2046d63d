import Foundation
import HTTPTypes
import NIOCore
import PerfwatchModel

/// Why the edge answers a request itself instead of relaying the upstream's answer: the
/// status and a plain-text body that says what happened, in the edge's words.
struct ProxyFailure: Error, Sendable {
    let status: Int
    let message: String
    /// Close the downstream connection after the answer (its request body was not read).
    var close = false
    /// The request body was already being streamed (it can be read only once): nothing to discard.
    var bodyStarted = false

    static func headersTooLarge(_ bytes: Int, limit: Int) -> ProxyFailure {
        ProxyFailure(
            status: 431, message: "request headers are \(bytes) bytes, over this edge's limit of \(limit) (limits.header_bytes)",
            close: true)
    }

    static func bodyTooLarge(limit: Int, bodyStarted: Bool = false) -> ProxyFailure {
        ProxyFailure(
            status: 413, message: "request body is over this edge's limit of \(limit) bytes (limits.body_bytes)", close: true,
            bodyStarted: bodyStarted)
    }

    static let upgradeWithBody = ProxyFailure(
        status: 400, message: "an Upgrade (WebSocket) request must not have a body", close: true)

    static let noUpstream = ProxyFailure(status: 503, message: "no upstream instance is available (all have weight 0)")

    static func unreachable(_ url: String, _ detail: String) -> ProxyFailure {
        ProxyFailure(status: 502, message: "cannot connect to upstream \(url): \(detail)")
    }

    static func malformed(_ url: String, _ detail: String) -> ProxyFailure {
        ProxyFailure(status: 502, message: "upstream \(url) sent a malformed or incomplete response: \(detail)")
    }

    static func timeout(_ url: String, _ what: String) -> ProxyFailure {
        ProxyFailure(status: 504, message: "upstream \(url) did not answer in time: \(what)")
    }

    static func firstByteTimeout(_ url: String, _ limit: Duration) -> ProxyFailure {
        timeout(url, "no response head within \(DurationText.format(milliseconds: limit.wholeMilliseconds)) (timeouts.first_byte)")
    }

    /// The answer the edge writes: plain text, `Connection: close` when the connection ends after it.
    var response: (HTTPResponse, ByteBuffer) {
        let body = ByteBuffer(string: "perfwatch edge: \(message)\n")
        var fields = HTTPFields()
        fields[.contentType] = "text/plain; charset=utf-8"
        fields[.contentLength] = String(body.readableBytes)
        if close { fields[.connection] = "close" }
        return (HTTPResponse(status: .init(code: status), headerFields: fields), body)
    }
}
