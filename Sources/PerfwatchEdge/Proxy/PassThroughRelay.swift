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
/// response head. The first-byte and idle timeouts are one deadline, moved as the exchange goes.
final class PassThroughRelay: UpstreamConnectionDelegate {
    private enum Phase {
        /// Waiting for an upstream connection; request body is kept (reads are held meanwhile).
        case connecting
        case awaitingHead
        case streaming
        /// The answer is out; what is left of the request body is read and dropped.
        case done
    }

    private var intake: EdgeProxy.Intake
    private let proxy: EdgeProxy
    private let downstream: ChannelHandlerContext
    private unowned let handler: PassThroughHandler
    private let pool: LoopConnections
    private var phase = Phase.connecting
    private var lease: UpstreamPool.Lease?
    private var tried: Set<Int> = []
    private var lastFailure = ProxyFailure.noUpstream
    private var connection: UpstreamConnection?
    private var pending: [ByteBuffer] = []
    private var requestEnded = false
    private var requestBytes = 0
    private var retriedFresh = false
    private var sentAt: UInt64 = 0
    private var upstreamNanos: UInt64 = 0
    private var lastReadAt: UInt64 = 0
    /// When the current wait (first byte, then idle between body reads) runs out; 0: none. The
    /// loop's pool checks it (`LoopConnections.watch`).
    private(set) var deadline: UInt64 = 0
    private var observer = ResponseBodyObserver()
    /// The span went to the sink (once, at the answer's end or when the exchange ends otherwise).
    private var recorded = false
    private var keepAlive = false
    private var upstreamPaused = false
    private var unflushed = false
    /// The response head, held until the end of the read it came in: a response that breaks within
    /// that read is still answered with a 502 instead of a cut connection.
    private var pendingHead: HTTPResponse?

    init(intake: EdgeProxy.Intake, proxy: EdgeProxy, downstream: ChannelHandlerContext, handler: PassThroughHandler, pool: LoopConnections) {
        self.intake = intake
        self.proxy = proxy
        self.downstream = downstream
        self.handler = handler
        self.pool = pool
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

    func start() {
        guard let lease = proxy.pool.acquire(excluding: tried) else {
            fail(lastFailure)
            return
        }
        tried.insert(lease.index)
        self.lease = lease
        // An upgrade gets a connection of its own: after a 101 it is no longer HTTP.
        if intake.upgrade == nil, let idle = pool.take(lease.index) { send(on: idle) } else { dial(lease) }
    }

    private func dial(_ lease: UpstreamPool.Lease) {
        pool.connect(lease.index).assumeIsolated().whenComplete { result in
            guard case .connecting = self.phase else {
                if case .success(let connection) = result { connection.channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let connection):
                self.send(on: connection)
            case .failure(let error):
                // Nothing of the request left the edge (its body is still held here): the next instance may take it.
                self.releaseLease(latencyMs: nil, failure: true)
                self.lastFailure = .unreachable(lease.url, "\(error)")
                self.proxy.logger.debug("trying another upstream", metadata: ["upstream": "\(lease.url)", "error": "\(error)"])
                self.start()
            }
        }
    }

    private func send(on connection: UpstreamConnection) {
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
        sentAt = Self.now
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
            upstreamNanos = Self.now - sentAt
            phase = .done
            // The decoder is still inside this read: the pipelines are swapped on the next turn of the loop.
            downstream.eventLoop.assumeIsolated().execute { self.openTunnel(head) }
        case (.awaitingHead, .head(let head)):
            let now = Self.now
            upstreamNanos = now - sentAt
            lastReadAt = now
            phase = .streaming
            armTimer(proxy.configuration.timeouts.idle.wholeMilliseconds)
            keepAlive = head.isKeepAlive && intake.upgrade == nil
            let status = Int(head.status.code)
            intake.exchange.status = status
            intake.exchange.upstream = lease?.url ?? ""
            if proxy.sink != nil {  // what only telemetry reads
                proxy.record(head.headers, into: &intake.exchange)
                observer = ResponseBodyObserver(proxy: proxy, exchange: intake.exchange)
            }
            var fields = EdgeProxy.downstreamHeaders(head.headers, edgeNanos: now - intake.started - upstreamNanos, upstreamNanos: upstreamNanos)
            if closesAfterAnswer { fields[.connection] = "close" }
            pendingHead = HTTPResponse(status: .init(code: status, reasonPhrase: head.status.reasonPhrase), headerFields: fields)
        case (.streaming, .body(let chunk)):
            writePendingHead()
            lastReadAt = Self.now
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

    func downstreamWritabilityChanged() {
        if downstream.channel.isWritable, upstreamPaused { pauseUpstream(false) }
    }

    func upstreamClosed(_ error: (any Error)?) {
        let detail = error.map { "\($0)" } ?? "the connection closed"
        switch phase {
        case .awaitingHead:
            let connection = self.connection
            self.connection = nil
            connection?.channel.close(promise: nil)
            if let connection, let lease, connection.reused, !retriedFresh, !intake.hasBody {
                // A kept-alive connection the upstream closed as it was reused: once more on a new one.
                retriedFresh = true
                phase = .connecting
                deadline = 0
                dial(lease)
                return
            }
            fail(.malformed(lease?.url ?? "", detail + " before a response head"))
        case .streaming where pendingHead != nil:
            // Nothing of the answer has gone out yet: still the edge's own 502.
            pendingHead = nil
            phase = .awaitingHead
            fail(.malformed(lease?.url ?? "", detail))
        case .streaming:
            abort("upstream body failed mid-response: \(detail)")
        case .connecting, .done:
            break
        }
    }

    func downstreamClosed() {
        guard phase != .done else { return }
        discardConnection()
        // The client left: not the upstream's fault. 499 as nginx logs it when nothing was answered yet.
        releaseLease(latencyMs: nil, failure: false)
        if intake.exchange.status == 0 { intake.exchange.status = 499 }
        complete()
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
        let edgeNanos = Self.now - intake.started - upstreamNanos
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
        deadline = 0
        pool.unwatch(self)
        recordExchange()
    }

    // MARK: ends

    /// The edge answers itself (nothing of the upstream's answer has gone out).
    private func fail(_ failure: ProxyFailure, upstreamFault: Bool = true) {
        discardConnection()
        releaseLease(latencyMs: nil, failure: upstreamFault)
        guard phase != .streaming else {
            abort(failure.message)
            return
        }
        proxy.record(failure, into: &intake.exchange)
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

    /// The response head is out: the only honest signal left is to close the downstream connection.
    private func abort(_ why: String) {
        discardConnection()
        releaseLease(latencyMs: Double(upstreamNanos) / 1e6, failure: true)
        intake.exchange.failed = true
        proxy.logger.warning(
            "aborting the downstream connection", metadata: ["upstream": "\(intake.exchange.upstream)", "path": "\(intake.exchange.path)", "why": "\(why)"])
        downstream.close(promise: nil)
        complete()
    }

    private func complete() {
        phase = .done
        deadline = 0
        pool.unwatch(self)
        recordExchange()
        if requestEnded { handler.relayFinished(downstream) }
    }

    private func recordExchange() {
        guard !recorded else { return }
        recorded = true
        observer.finish(intake.exchange, started: intake.started, proxy: proxy)
    }

    /// The upstream connection cannot serve another exchange (failed, half-used): closed, not pooled.
    private func discardConnection() {
        guard let connection else { return }
        self.connection = nil
        connection.delegate = nil
        connection.channel.close(promise: nil)
    }

    private func releaseLease(latencyMs: Double?, failure: Bool) {
        guard let lease else { return }
        self.lease = nil
        proxy.pool.release(lease, latencyMs: latencyMs, failure: failure)
    }

    private func pauseUpstream(_ pause: Bool, on connection: UpstreamConnection? = nil) {
        guard let channel = (connection ?? self.connection)?.channel else { return }
        upstreamPaused = pause
        channel.setOption(ChannelOptions.autoRead, value: !pause).whenFailure { _ in channel.close(promise: nil) }
        if !pause { channel.read() }
    }

    // MARK: timeouts

    private func armTimer(_ milliseconds: Int64) {
        if deadline == 0 { pool.watch(self) }
        deadline = Self.now + UInt64(milliseconds) * 1_000_000
    }

    func deadlinePassed() {
        deadline = 0
        let timeouts = proxy.configuration.timeouts
        switch phase {
        case .awaitingHead:
            fail(.firstByteTimeout(lease?.url ?? "", timeouts.firstByte))
        case .streaming:
            let idleNanos = UInt64(timeouts.idle.wholeMilliseconds) * 1_000_000
            let quiet = Self.now - lastReadAt
            if quiet >= idleNanos {
                abort("no body bytes from the upstream for \(DurationText.format(milliseconds: timeouts.idle.wholeMilliseconds)) (timeouts.idle)")
            } else {
                armTimer(Int64((idleNanos - quiet) / 1_000_000) + 1)
            }
        case .connecting, .done:
            break
        }
    }

    private static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }
}
