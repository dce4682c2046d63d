import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import PerfwatchModel

/// One pass-through exchange, entirely on the downstream connection's event loop: picks an
/// upstream, takes a keep-alive connection from the loop's pool (or dials one; a failed connect
/// moves on to the next instance), streams the request to it and its answer back with
/// backpressure both ways, and answers itself (`ProxyFailure`) when the upstream fails before its
/// response head. What it shares with the fast path's `FastExchange` is `StreamedExchange`.
final class PassThroughRelay: StreamedExchange<UpstreamConnection>, UpstreamConnectionDelegate {
    private var intake: EdgeProxy.Intake
    private unowned let handler: PassThroughHandler
    private var pending: [ByteBuffer] = []
    private var requestEnded = false
    private var requestBytes = 0
    private var sentAt: UInt64 = 0
    private var keepAlive = false
    private var unflushed = false
    /// The response head, held until the end of the read it came in: a response that breaks within
    /// that read is still answered with a 502 instead of a cut connection.
    private var pendingHead: HTTPResponse?

    init(intake: EdgeProxy.Intake, proxy: EdgeProxy, downstream: ChannelHandlerContext, handler: PassThroughHandler, pool: LoopConnections) {
        self.intake = intake
        self.handler = handler
        super.init(proxy: proxy, downstream: downstream, pool: pool, started: intake.started)
    }

    override var record: EdgeExchange {
        get { intake.exchange }
        set { intake.exchange = newValue }
    }

    /// Whether the downstream may read more: not while connecting, nor while the upstream's socket buffer is full.
    var acceptsRequestBody: Bool {
        switch phase {
        case .connecting: false
        case .awaitingHead, .streaming: connection?.channel.isWritable ?? true
        case .done: true
        }
    }

    // MARK: the upstream connection

    /// An upgrade gets a connection of its own: after a 101 it is no longer HTTP.
    override func idleConnection(_ index: Int) -> UpstreamConnection? { intake.upgrade == nil ? pool.take(index) : nil }

    override func connect(_ index: Int) -> EventLoopFuture<UpstreamConnection> { pool.connect(index) }

    override func send(on connection: UpstreamConnection) {
        self.connection = connection
        connection.delegate = self
        phase = .awaitingHead
        let target = pool.targets[connection.index]
        var headers = HTTPHeaders()
        let forwarded = intake.forwarded
        headers.reserveCapacity(forwarded.count + 2)
        headers.add(name: "Host", value: target.authority)
        for (name, value) in forwarded { headers.add(name: name, value: value) }
        if intake.chunked { headers.add(name: "Transfer-Encoding", value: "chunked") }
        if let upgrade = intake.upgrade {
            headers.add(name: "Connection", value: "Upgrade")
            headers.add(name: "Upgrade", value: upgrade)
        }
        let head = HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: intake.exchange.method), uri: target.basePath + intake.target, headers: headers)
        let channel = connection.channel
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        for chunk in pending { channel.write(HTTPClientRequestPart.body(.byteBuffer(chunk)), promise: nil) }
        pending = []
        if requestEnded { channel.write(HTTPClientRequestPart.end(nil), promise: nil) }
        channel.flush()
        sentAt = ExchangeDeadline.now
        armTimer(proxy.configuration.timeouts.firstByte.wholeMilliseconds)
        handler.resumeReading(downstream)
    }

    // MARK: the request body

    func requestBody(_ chunk: ByteBuffer) {
        requestBytes += chunk.readableBytes
        if requestBytes > proxy.configuration.limits.bodyBytes {
            // Answered already (the upstream answered early): the rest is dropped only up to the limit too.
            if phase == .done { downstream.close(promise: nil) } else {
                fail(.bodyTooLarge(limit: proxy.configuration.limits.bodyBytes, bodyStarted: true), upstreamFault: false)
            }
            return
        }
        switch phase {
        case .connecting:
            pending.append(chunk)
        case .awaitingHead, .streaming:
            connection?.channel.writeAndFlush(HTTPClientRequestPart.body(.byteBuffer(chunk)), promise: nil)
        case .done:
            break
        }
    }

    /// The client's request could not be read to its end: nothing more can be read on this connection.
    func requestFailed(_ error: any Error) {
        switch phase {
        case .connecting, .awaitingHead:
            fail(ProxyFailure(status: 400, message: "the request could not be read: \(error)", close: true, bodyStarted: true), upstreamFault: false)
        case .streaming:
            abort("the request could not be read: \(error)")
        case .done:
            downstream.close(promise: nil)
        }
    }

    func requestEnd() {
        requestEnded = true
        switch phase {
        case .connecting:
            break
        case .awaitingHead, .streaming:
            connection?.channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        case .done:
            handler.relayFinished(downstream)
        }
    }

    // MARK: the answer

    func upstreamRead(_ part: HTTPClientResponsePart) {
        switch (phase, part) {
        case (.awaitingHead, .head(let head)) where head.status == .switchingProtocols && intake.upgrade != nil:
            upstreamNanos = ExchangeDeadline.now - sentAt
            phase = .done
            // The decoder is still inside this read: the pipelines are swapped on the next turn of the loop.
            downstream.eventLoop.assumeIsolated().execute { self.openTunnel(head) }
        case (.awaitingHead, .head(let head)):
            let now = ExchangeDeadline.now
            upstreamNanos = now - sentAt
            timer.lastReadAt = now
            phase = .streaming
            armTimer(proxy.configuration.timeouts.idle.wholeMilliseconds)
            keepAlive = head.isKeepAlive && intake.upgrade == nil
            let status = Int(head.status.code)
            intake.exchange.status = status
            intake.exchange.upstream = leases.url
            if proxy.sink != nil {  // what only telemetry reads
                proxy.record(head.headers, into: &intake.exchange)
                observer = ResponseBodyObserver(proxy: proxy, exchange: intake.exchange)
            }
            var fields = EdgeProxy.downstreamHeaders(head.headers, edgeNanos: now - intake.started - upstreamNanos, upstreamNanos: upstreamNanos)
            if closesAfterAnswer { fields[.connection] = "close" }
            pendingHead = HTTPResponse(status: .init(code: status, reasonPhrase: head.status.reasonPhrase), headerFields: fields)
        case (.streaming, .body(let chunk)):
            writePendingHead()
            timer.lastReadAt = ExchangeDeadline.now
            intake.exchange.bytesUpstream += chunk.readableBytes
            intake.exchange.bytesOut += chunk.readableBytes
            observer.add(chunk)
            downstream.write(NIOAny(HTTPResponsePart.body(chunk)), promise: nil)
            unflushed = true
            if !downstream.channel.isWritable { pauseUpstream(true) }
        case (.streaming, .end):
            writePendingHead()
            // The span is handed over before the client can see the end of its answer.
            recordExchange()
            writeEnd(close: closesAfterAnswer)
            unflushed = false
            releaseLease(latencyMs: Double(upstreamNanos) / 1e6, failure: intake.exchange.status >= 500)
            if let connection {
                self.connection = nil
                connection.delegate = nil
                if upstreamPaused { pauseUpstream(false, on: connection) }
                // A request still being sent leaves the connection mid-message: it cannot serve another.
                if keepAlive && requestEnded { pool.put(connection) } else { connection.channel.close(promise: nil) }
            }
            complete()
        default:
            break
        }
    }

    private func writePendingHead() {
        guard let head = pendingHead else { return }
        pendingHead = nil
        downstream.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
        unflushed = true
    }

    func upstreamReadComplete() {
        writePendingHead()
        guard unflushed else { return }
        unflushed = false
        downstream.flush()
    }

    func upstreamWritabilityChanged() {
        if connection?.channel.isWritable == true { handler.resumeReading(downstream) }
    }

    override var mayRetryOnFreshConnection: Bool { !intake.hasBody }

    override func dropPendingHead() -> Bool {
        guard pendingHead != nil else { return false }
        pendingHead = nil
        return true
    }

    /// After the upstream's 101: the exchange ends here (its span says 101) and the connection
    /// becomes a byte tunnel (`UpgradeTunnel`).
    private func openTunnel(_ head: HTTPResponseHead) {
        guard let connection else { return }
        self.connection = nil
        connection.delegate = nil
        releaseLease(latencyMs: Double(upstreamNanos) / 1e6, failure: false)
        intake.exchange.status = 101
        intake.exchange.upstream = pool.targets[connection.index].url
        let edgeNanos = ExchangeDeadline.now - intake.started - upstreamNanos
        do {
            handler.relayTunnelled(downstream)
            try UpgradeTunnel.open(
                downstream: downstream, upstream: connection, head: head,
                serverTiming: EdgeProxy.serverTiming(edgeNanos: edgeNanos, upstreamNanos: upstreamNanos))
        } catch {
            proxy.logger.warning("could not open an upgraded connection", metadata: ["path": "\(intake.exchange.path)", "error": "\(error)"])
            intake.exchange.failed = true
            connection.channel.close(promise: nil)
            downstream.close(promise: nil)
        }
        timer.clear()
        pool.unwatch(self)
        recordExchange()
    }

    // MARK: ends

    /// The edge answers itself (nothing of the upstream's answer has gone out).
    override func fail(_ failure: ProxyFailure, upstreamFault: Bool = true) {
        guard prepareOwnAnswer(failure, upstreamFault: upstreamFault) else { return }
        var (head, body) = failure.response
        if closesAfterAnswer { head.headerFields[.connection] = "close" }
        downstream.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
        downstream.write(NIOAny(HTTPResponsePart.body(body)), promise: nil)
        writeEnd(close: failure.close || closesAfterAnswer)
        complete()
    }

    /// The client said `Connection: close`, or this was an Upgrade the upstream declined (NIO's decoder
    /// reads nothing more on a connection after an Upgrade request): the answer says `Connection: close`.
    private var closesAfterAnswer: Bool { intake.closeAfter || intake.upgrade != nil }

    private func writeEnd(close: Bool) {
        guard close else {
            downstream.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)), promise: nil)
            return
        }
        let context = downstream
        downstream.writeAndFlush(NIOAny(HTTPResponsePart.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    override func finished() {
        if requestEnded { handler.relayFinished(downstream) }
    }

}
