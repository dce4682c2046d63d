import Foundation
import HTTPTypes
import Logging
import NIOCore
import PerfwatchStatistics

/// The first handler of every downstream connection: the byte-level fast path (issue 16's
/// performance). Each request head is scanned (`HeadScanner`); a bodiless GET or HEAD whose route
/// streams as it is (`EdgeProxy.fastRoute`) is relayed by a `FastExchange` without NIO's HTTP
/// codec or HTTPTypes, and a GET with a fresh cache hit is answered here. The first request that is anything else — or that the scanner does not fully
/// understand — hands the connection over: the full HTTP pipeline (`EdgeHTTP1Channel`'s handlers)
/// is added after this handler, gets every byte not yet answered, and this handler leaves. From
/// then on the connection is exactly today's full path. Answers stay in order: a hand-over waits
/// for the exchange in flight, and pipelined heads wait their turn here.
///
/// While it is in charge it keeps the connection's idle timeout and graceful drain itself (the
/// full pipeline's `HTTPConnectionStateHandler` is not there yet).
final class FastPathHandler: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Adds the full HTTP pipeline right after this handler.
    typealias FullPipeline = (_ pipeline: ChannelPipeline.SynchronousOperations, _ after: FastPathHandler) throws -> Void

    private let proxy: EdgeProxy
    private let connections: UpstreamConnections
    private let fullPipeline: FullPipeline
    private let idleTimeout: TimeAmount
    private var pool: LoopConnections?
    private var random = SplitMix64(seed: UInt64.random(in: .min ... .max))
    /// Bytes received and not yet taken by an exchange (pipelined or partial heads).
    private var received: ByteBuffer?
    private var exchange: FastExchange?
    private var processing = false
    private var heldRead = false
    /// Drain asked for, or the client said `Connection: close`: no further request is taken.
    private var closing = false
    private var handedOver = false
    private var lastActive = DispatchTime.now().uptimeNanoseconds
    private var idleCheck: Scheduled<Void>?

    init(proxy: EdgeProxy, connections: UpstreamConnections, idleTimeout: TimeAmount, fullPipeline: @escaping FullPipeline) {
        self.proxy = proxy
        self.connections = connections
        self.idleTimeout = idleTimeout
        self.fullPipeline = fullPipeline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { scheduleIdleCheck(context, in: idleTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if idleCheck == nil { scheduleIdleCheck(context, in: idleTimeout) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !handedOver else {
            context.fireChannelRead(data)
            return
        }
        if closing { return }
        lastActive = DispatchTime.now().uptimeNanoseconds
        var bytes = unwrapInboundIn(data)
        if received == nil { received = bytes } else { received!.writeBuffer(&bytes) }
        if exchange == nil { process(context) }
    }

    /// Takes the heads in `received` one at a time while no exchange is in flight.
    private func process(_ context: ChannelHandlerContext) {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while exchange == nil, !handedOver, !closing, let buffer = received, buffer.readableBytes > 0 {
            guard proxy.configuration.fastPath else {
                handOver(context)
                return
            }
            let limit = proxy.configuration.limits.headerBytes
            switch buffer.withUnsafeReadableBytes({ HeadScanner.scanRequest($0, limit: limit) }) {
            case .incomplete:
                return
            case .fallback:
                handOver(context)
                return
            case .request(let request):
                let (method, target) = buffer.withUnsafeReadableBytes {
                    (HeadScanner.string($0, request.method), HeadScanner.string($0, request.target))
                }
                let choice = proxy.routeChoice(method: method, target: target)
                let route = proxy.fastRoute(choice, method: method)
                if case .fullPath = route {
                    handOver(context)
                    return
                }
                let started = DispatchTime.now().uptimeNanoseconds
                let head = buffer.getSlice(at: buffer.readerIndex, length: request.length)!
                let traceparent = request.traceparent.map { range in head.withUnsafeReadableBytes { HeadScanner.string($0, range) } }
                var record = EdgeProxy.exchange(
                    method: method, target: target, route: choice.name, traceparent: traceparent, authorized: request.authorized,
                    cookie: request.cookie, random: &random)
                if case .cached(let steps) = route {
                    // A fresh hit is answered here; anything else (a miss, revalidation, HEAD) is the full path's.
                    guard !request.isHead, let answer = cachedAnswer(context, head: head, request: request, target: target, steps: steps, exchange: &record, started: started)
                    else {
                        handOver(context)
                        return
                    }
                    consume(request.length)
                    lastActive = started
                    if request.closeAfter {
                        closing = true  // what the client sends after this is not read
                        context.writeAndFlush(wrapOutboundOut(answer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                    } else {
                        context.writeAndFlush(wrapOutboundOut(answer), promise: nil)
                    }
                    continue
                }
                consume(request.length)
                let fast = FastExchange(
                    head: head, request: request, exchange: record, started: started, clientAddress: context.channel.remoteAddress?.ipAddress,
                    proxy: proxy, downstream: context, handler: self, pool: loopPool(context))
                exchange = fast
                fast.start()
            }
        }
    }

    private func consume(_ length: Int) {
        guard var buffer = received else { return }
        received = nil  // one reference: the move below does not copy
        buffer.moveReaderIndex(forwardBy: length)
        if buffer.readableBytes > 0 { received = buffer }
    }

    /// A fresh cache hit for a GET as bytes, as the full path writes it (`EdgeProxy.bufferedResponse`: the
    /// same headers, `X-Cache: HIT`, the same span, recorded here); nil when there is none.
    private func cachedAnswer(
        _ context: ChannelHandlerContext, head: ByteBuffer, request: ScannedRequest, target: String, steps: BufferedSteps.Applied,
        exchange: inout EdgeExchange, started: UInt64
    ) -> ByteBuffer? {
        let httpRequest = head.withUnsafeReadableBytes { bytes in
            var fields = HTTPFields()
            fields.reserveCapacity(request.fields.count)
            for field in request.fields {
                switch HeadScanner.lowercasedName(bytes, field.name) {
                case .host, .connection, .hopByHop, .upgrade, .transferEncoding: continue
                default: break
                }
                if let name = HTTPField.Name(HeadScanner.string(bytes, field.name)) {
                    fields.append(HTTPField(name: name, value: HeadScanner.string(bytes, field.value)))
                }
            }
            return HTTPRequest(method: .get, scheme: nil, authority: HeadScanner.string(bytes, request.host), path: target, headerFields: fields)
        }
        guard let hit = proxy.cachedAnswer(httpRequest, steps: steps) else { return nil }
        var (response, body) = proxy.bufferedResponse(hit, method: .get, exchange: &exchange, started: started, sampleBrotli: false)
        if request.closeAfter { response.headerFields[.connection] = "close" }
        var out = context.channel.allocator.buffer(capacity: 512 + body.readableBytes)
        HeadWriter.response(response, body: body, into: &out)
        proxy.finish(&exchange, started: started)  // before the client can see the answer
        return out
    }

    /// The exchange's answer is out; `closing`: the exchange closes the connection (it said
    /// `Connection: close`, or it was cut).
    func exchangeFinished(_ context: ChannelHandlerContext, closing: Bool) {
        exchange = nil
        lastActive = DispatchTime.now().uptimeNanoseconds
        if closing || self.closing {
            // A drain asked for while the exchange ran closes the connection once its answer is out.
            if !closing && context.channel.isActive {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer())).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
            self.closing = true
            received = nil
            return
        }
        if heldRead {
            heldRead = false
            context.read()
        }
        process(context)
    }

    /// From here on the connection is the full path's: its pipeline is added and gets the bytes not yet answered.
    private func handOver(_ context: ChannelHandlerContext) {
        handedOver = true
        idleCheck?.cancel()
        idleCheck = nil
        do {
            try fullPipeline(context.pipeline.syncOperations, self)
        } catch {
            proxy.logger.warning("could not set up the HTTP pipeline", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        if let pending = received {
            received = nil
            context.fireChannelRead(wrapInboundOut(pending))
        }
        context.fireChannelReadComplete()
        let wasHeld = heldRead
        heldRead = false
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        if wasHeld { context.channel.read() }
    }

    func read(context: ChannelHandlerContext) {
        // Pipelined requests wait while one is answered; past the header limit, reading waits too.
        if !handedOver, exchange != nil, (received?.readableBytes ?? 0) > proxy.configuration.limits.headerBytes {
            heldRead = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        exchange?.downstreamWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard !handedOver, event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Graceful drain: an idle connection closes now, a busy one after its answer.
        closing = true
        if exchange == nil { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if handedOver {
            context.fireErrorCaught(error)
            return
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        received = nil
        exchange?.downstreamClosed()
        exchange = nil
        idleCheck?.cancel()
        idleCheck = nil
        context.fireChannelInactive()
    }

    /// One check per idle timeout (not a timer per request): an idle connection that saw nothing for
    /// `idleTimeout` closes, as `HTTPConnectionStateHandler` does on the full path.
    private func scheduleIdleCheck(_ context: ChannelHandlerContext, in delay: TimeAmount) {
        idleCheck = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: delay) {
            self.idleCheck = nil
            guard !self.handedOver else { return }
            let idleFor = Int64(DispatchTime.now().uptimeNanoseconds - self.lastActive)
            if self.exchange == nil && idleFor >= self.idleTimeout.nanoseconds {
                context.close(promise: nil)
            } else {
                self.scheduleIdleCheck(context, in: .nanoseconds(max(self.idleTimeout.nanoseconds - idleFor, 1_000_000)))
            }
        }
    }

    private func loopPool(_ context: ChannelHandlerContext) -> LoopConnections {
        if let pool { return pool }
        let found = connections.pool(for: context.eventLoop)
        pool = found
        return found
    }
}
