internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix
internal import NIOSSL

/// A minimal HTTP/1.1 client that POSTs one body per connection and reads the status.
///
/// Alerting needs exactly this for webhooks and Slack, so it lives here instead of pulling
/// in a general HTTP client. One connection per message keeps it simple; notifications are
/// rare. The timeout covers connect, TLS handshake, send and the answer: a target that
/// accepts and never answers is closed when it expires. `https://` targets go through
/// NIOSSL with the channel's ``TLSClientSettings``.
struct HTTPPostClient: Sendable {
    struct Response: Sendable {
        var status: Int
        var body: String
    }

    var eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    /// Response bodies are only read for error messages.
    var maxResponseBytes = 64 * 1024
    /// Built once per channel (loading trust roots is expensive); `nil` until an https
    /// channel needs it, a failure is reported on every send.
    let tlsContext: Result<NIOSSLContext, AlertingError>?

    init(tls: TLSClientSettings? = nil) {
        tlsContext = tls.map { settings in Result(catching: { () throws(AlertingError) -> NIOSSLContext in try settings.makeContext() }) }
    }

    private func context() throws -> NIOSSLContext {
        guard let tlsContext else {
            throw AlertingError(code: "tls_setup", message: "https:// target but the channel was built without TLS settings")
        }
        return try tlsContext.get()
    }

    func post(url: String, body: [UInt8], contentType: String = "application/json", timeout: Duration) async throws -> Response {
        let target = try HTTPTarget(url: url)
        let sslContext: NIOSSLContext? = target.isTLS ? try context() : nil
        let timeoutAmount = TimeAmount.milliseconds(max(1, timeout.milliseconds))
        let timedOut = Locked(false)
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(timeoutAmount)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try channel.pipeline.syncOperations.addHandler(TLSClientSupport.handler(context: sslContext, host: target.host))
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw AlertingError(code: "connect_failed", message: "cannot connect to \(target.hostHeader): \(error)")
        }
        let underlying = channel.channel
        let deadline = underlying.eventLoop.scheduleTask(in: timeoutAmount) {
            timedOut.set(true)
            underlying.close(promise: nil)
        }
        defer { deadline.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: target.hostHeader)
                headers.add(name: "User-Agent", value: "perfwatch-alerting")
                headers.add(name: "Content-Type", value: contentType)
                headers.add(name: "Content-Length", value: String(body.count))
                headers.add(name: "Connection", value: "close")
                // One write: a receiver may answer and close as soon as the body is complete,
                // which would fail a separate, later write of the (empty) end part.
                try await outbound.write(contentsOf: [
                    .head(HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path, headers: headers)),
                    .body(.byteBuffer(ByteBuffer(bytes: body))), .end(nil),
                ])
                var status: Int?
                var responseBody = ByteBuffer()
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        status = Int(head.status.code)
                    case .body(var chunk):
                        if responseBody.readableBytes < maxResponseBytes { responseBody.writeBuffer(&chunk) }
                    case .end:
                        guard let status else { break }
                        return Response(status: status, body: String(buffer: responseBody))
                    }
                }
                throw AlertingError(code: "no_response", message: "connection closed before a complete response")
            }
        } catch {
            if timedOut.value {
                throw AlertingError(code: "timeout", message: "no answer from \(target.hostHeader) within \(AlertDuration.format(timeout))")
            }
            if let described = TLSClientSupport.describe(error, peer: target.hostHeader) { throw described }
            // A peer that is not speaking TLS usually just closes the connection: the write or
            // read then fails with a channel error before the handshake error is seen.
            if target.isTLS, error is ChannelError {
                throw AlertingError(
                    code: "tls_failed", message: "TLS with \(target.hostHeader) failed: connection closed during the exchange (\(error)); is it an https server?")
            }
            throw error
        }
    }
}

extension HTTPPostClient {
    /// POSTs and treats anything but 2xx as a failure worth retrying.
    func postExpectingSuccess(url: String, body: [UInt8], timeout: Duration) async throws {
        let response = try await post(url: url, body: body, timeout: timeout)
        guard (200..<300).contains(response.status) else {
            throw AlertingError(code: "http_status", message: "HTTP \(response.status): \(response.body.prefix(200))")
        }
    }
}
