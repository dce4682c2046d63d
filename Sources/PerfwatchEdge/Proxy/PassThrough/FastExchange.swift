import Foundation
import HTTPTypes
import Logging
import NIOCore
import PerfwatchModel

/// One fast-path exchange, on the downstream connection's event loop: a bodiless GET or HEAD the
/// scanner accepted, relayed as bytes. It picks an upstream like `PassThroughRelay` (the same
/// balancer lease, connect retry on the next instance, one retry on a fresh connection when a
/// reused one closes before answering), writes the rewritten head (`HeadWriter`), scans the
/// answer's head, inserts `Server-Timing`, and relays the body by count, chunk framing (checked,
/// re-framed) or until close. Failures before the answer's head are the edge's own answers
/// (`ProxyFailure`, as the full path gives them); after it, both connections close.
final class FastExchange: StreamedExchange<RawUpstreamConnection>, RawUpstreamDelegate {
    private let head: ByteBuffer
    private let request: ScannedRequest
    private var exchange: EdgeExchange
    private let closeAfter: Bool
    private let clientAddress: String?
    private unowned let handler: FastPathHandler
    private var sentAt: UInt64 = 0
    private var keepAlive = false
    /// Bytes of the answer's head while it is incomplete.
    private var partialHead: ByteBuffer?
    /// The client's head, held until the end of the read it came in (a response that breaks within that read is still a 502).
    private var pendingHead: ByteBuffer?
    private var framing = BodyFraming.none
    private var remaining = 0
    private var chunks = ChunkedDecoder()
    /// The upstream sent more than its answer: the connection cannot serve another.
    private var overran = false
    private var unflushed = false
    /// The downstream connection was cut (or closes after the answer): nothing more is read from it.
    private var closesDownstream: Bool

    init(
        head: ByteBuffer, request: ScannedRequest, exchange: EdgeExchange, started: UInt64, clientAddress: String?, proxy: EdgeProxy,
        downstream: ChannelHandlerContext, handler: FastPathHandler, pool: LoopConnections
    ) {
        self.head = head
        self.request = request
        self.exchange = exchange
        self.closeAfter = request.closeAfter
        self.closesDownstream = request.closeAfter
        self.clientAddress = clientAddress
        self.handler = handler
        super.init(proxy: proxy, downstream: downstream, pool: pool, started: started)
    }

    override var record: EdgeExchange {
        get { exchange }
        set { exchange = newValue }
    }

    override func idleConnection(_ index: Int) -> RawUpstreamConnection? { pool.rawIdle.take(index) }

    override func connect(_ index: Int) -> EventLoopFuture<RawUpstreamConnection> { pool.connectRaw(index) }

    // MARK: the upstream connection

    override func send(on connection: RawUpstreamConnection) {
        self.connection = connection
        connection.delegate = self
        phase = .awaitingHead
        var out = connection.channel.allocator.buffer(capacity: request.length + 256)
        HeadWriter.upstreamRequest(
            head: head, request, upstream: pool.targets[connection.index], clientAddress: clientAddress,
            traceparent: exchange.trace.outgoing, into: &out)
        connection.channel.writeAndFlush(out, promise: nil)
        sentAt = ExchangeDeadline.now
        armTimer(proxy.configuration.timeouts.firstByte.wholeMilliseconds)
    }

    // MARK: the answer

    func upstreamBytes(_ bytes: ByteBuffer) {
        var bytes = bytes
        switch phase {
        case .awaitingHead:
            if var partial = partialHead {
                partial.writeBuffer(&bytes)
                bytes = partial
                partialHead = nil
            }
            let scan = bytes.withUnsafeReadableBytes { HeadScanner.scanResponse($0, requestIsHead: request.isHead) }
            switch scan {
            case .incomplete:
                partialHead = bytes
                return
            case .malformed(let detail):
                fail(.malformed(leases.url, detail))
                return
            case .response(let response):
                let responseHead = bytes.readSlice(length: response.length)!
                answerHead(responseHead, response)
            }
            relayBody(&bytes)
        case .streaming:
            relayBody(&bytes)
        case .connecting, .done:
            break
        }
    }

    private func answerHead(_ responseHead: ByteBuffer, _ response: ScannedResponse) {
        let now = ExchangeDeadline.now
        upstreamNanos = now - sentAt
        timer.lastReadAt = now
        phase = .streaming
        armTimer(proxy.configuration.timeouts.idle.wholeMilliseconds)
        keepAlive = response.keepAlive
        framing = response.framing
        if case .length(let length) = framing { remaining = length }
        exchange.status = response.status
        exchange.upstream = leases.url
        if proxy.sink != nil { recordFacts(responseHead, response) }
        let rechunked = framing == .chunked || framing == .untilClose
        var out = downstream.channel.allocator.buffer(capacity: response.length + 96)
        HeadWriter.downstreamResponse(
            head: responseHead, response,
            serverTiming: EdgeProxy.serverTiming(edgeNanos: now - started - upstreamNanos, upstreamNanos: upstreamNanos),
            close: closeAfter, chunked: rechunked, into: &out)
        pendingHead = out
    }

    /// What telemetry keeps of the answer's headers (as `EdgeProxy.record` does on the full path).
    private func recordFacts(_ responseHead: ByteBuffer, _ response: ScannedResponse) {
        responseHead.withUnsafeReadableBytes { bytes in
            var contentType: String?
            var contentEncoding: String?
            var cacheControl: [String] = []
            var setCookie = false
            for field in response.fields {
                let name = bytes[field.name]
                if contentType == nil, HeadScanner.equalsLowercased(bytes, field.name, "content-type") {
                    contentType = HeadScanner.string(bytes, field.value)
                } else if contentEncoding == nil, HeadScanner.equalsLowercased(bytes, field.name, "content-encoding") {
                    contentEncoding = HeadScanner.string(bytes, field.value)
                } else if HeadScanner.equalsLowercased(bytes, field.name, "cache-control") {
                    cacheControl.append(HeadScanner.string(bytes, field.value))
                } else if name.count == 10, HeadScanner.equalsLowercased(bytes, field.name, "set-cookie") {
                    setCookie = true
                }
            }
            EdgeProxy.record(contentType: contentType, contentEncoding: contentEncoding, cacheControl: cacheControl, setCookie: setCookie, into: &exchange)
        }
        observer = ResponseBodyObserver(proxy: proxy, exchange: exchange)
    }

    private func relayBody(_ bytes: inout ByteBuffer) {
        switch framing {
        case .none:
            break
        case .length:
            let take = min(remaining, bytes.readableBytes)
            if take > 0 {
                let piece = bytes.readSlice(length: take)!
                remaining -= take
                body(piece, rechunk: false)
            }
            if remaining > 0 { return }
        case .untilClose:
            if bytes.readableBytes > 0 { body(bytes, rechunk: true) }
            bytes.moveReaderIndex(forwardBy: bytes.readableBytes)
            return
        case .chunked:
            do throws(ChunkedDecoder.Malformed) {
                try chunks.feed(&bytes) { piece in body(piece, rechunk: true) }
            } catch {
                malformedBody(error.detail)
                return
            }
            if !chunks.isDone { return }
        }
        if bytes.readableBytes > 0 { overran = true }
        end()
    }

    private func body(_ piece: ByteBuffer, rechunk: Bool) {
        writePendingHead()
        timer.lastReadAt = ExchangeDeadline.now
        exchange.bytesUpstream += piece.readableBytes
        exchange.bytesOut += piece.readableBytes
        observer.add(piece)
        if rechunk {
            var out = downstream.channel.allocator.buffer(capacity: piece.readableBytes + 12)
            HeadWriter.chunk(piece, into: &out)
            downstream.write(NIOAny(out), promise: nil)
        } else {
            downstream.write(NIOAny(piece), promise: nil)
        }
        unflushed = true
        if !downstream.channel.isWritable { pauseUpstream(true) }
    }

    private func writePendingHead() {
        guard let head = pendingHead else { return }
        pendingHead = nil
        downstream.write(NIOAny(head), promise: nil)
        unflushed = true
    }

    /// The answer is complete: out to the client, the connection back to the pool if it can serve another.
    private func end() {
        writePendingHead()
        if framing == .chunked || framing == .untilClose {
            downstream.write(NIOAny(ByteBuffer(staticString: "0\r\n\r\n")), promise: nil)
        }
        recordExchange()  // before the client can see the end of its answer
        unflushed = false
        releaseLease(latencyMs: Double(upstreamNanos) / 1e6, failure: exchange.status >= 500)
        if let connection {
            self.connection = nil
            connection.delegate = nil
            if upstreamPaused { pauseUpstream(false, on: connection) }
            if keepAlive && !overran && framing != .untilClose { pool.rawIdle.put(connection) } else { connection.channel.close(promise: nil) }
        }
        complete()
        flushOrClose(closeAfter)
    }

    /// Out to the client; then, when the connection ends with this answer, closed. After `complete`: a
    /// close can happen at once (the write done), and the exchange must be over by then.
    private func flushOrClose(_ close: Bool) {
        guard close else {
            downstream.flush()
            return
        }
        let context = downstream
        context.writeAndFlush(NIOAny(ByteBuffer())).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func upstreamReadComplete() {
        writePendingHead()
        guard unflushed else { return }
        unflushed = false
        downstream.flush()
    }

    override var mayRetryOnFreshConnection: Bool { partialHead == nil }

    override func dropPendingHead() -> Bool {
        guard pendingHead != nil else { return false }
        pendingHead = nil
        return true
    }

    override func upstreamClosed(_ error: (any Error)?) {
        // A body delimited by the close ends here.
        if phase == .streaming, error == nil, framing == .untilClose {
            connection = nil
            end()
        } else {
            super.upstreamClosed(error)
        }
    }

    /// Bad chunk framing: before the head went out, a 502; after, both connections close.
    private func malformedBody(_ detail: String) {
        if dropPendingHead() {
            phase = .awaitingHead
            fail(.malformed(leases.url, "bad chunked framing: \(detail)"))
        } else {
            abort("bad chunked framing from the upstream: \(detail)")
        }
    }

    override func downstreamClosed() {
        closesDownstream = true
        super.downstreamClosed()
    }

    // MARK: ends

    /// The edge answers itself (nothing of the upstream's answer has gone out).
    override func fail(_ failure: ProxyFailure, upstreamFault: Bool = true) {
        guard prepareOwnAnswer(failure, upstreamFault: upstreamFault) else { return }
        var (head, body) = failure.response
        if closeAfter { head.headerFields[.connection] = "close" }
        var out = downstream.channel.allocator.buffer(capacity: 256 + body.readableBytes)
        HeadWriter.response(head, body: body, into: &out)
        recordExchange()
        let close = failure.close || closeAfter
        if close { closesDownstream = true }
        downstream.write(NIOAny(out), promise: nil)
        complete()
        flushOrClose(close)
    }

    override func abort(_ why: String) {
        closesDownstream = true
        super.abort(why)
    }

    override func finished() {
        handler.exchangeFinished(downstream, closing: closesDownstream)
    }

}
