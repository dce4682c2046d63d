import HTTPTypes
import NIOCore
import NIOHTTPTypes
import PerfwatchStatistics

/// The downstream connection's request router, on the event loop: a request that streams through
/// (no cache rule, no compression, within the limits) is relayed here by a `PassThroughRelay`
/// without leaving the loop, and a fresh cache hit is answered here; any other is handed on to
/// Hummingbird's responder (`EdgeProxy.respond`).
/// It sits after Hummingbird's connection-state handler, so idle timeouts and graceful drain count
/// both kinds; NIO's pipelining handler before it delivers one request at a time, so answers stay
/// in order.
final class PassThroughHandler: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        case idle
        /// The current request belongs to the responder, until its end.
        case handingOn
        case relaying(PassThroughRelay)
        /// A cache hit, written when the request has been read to its end.
        case answering(CachedAnswer)
        /// An upgraded connection: `TunnelHandler`s carry its bytes, nothing reaches this handler.
        case tunnelled
    }

    private struct CachedAnswer {
        var head: HTTPResponse
        var body: ByteBuffer
        var exchange: EdgeExchange
        var started: UInt64
        var closeAfter: Bool
    }

    private let proxy: EdgeProxy
    private let connections: UpstreamConnections
    private var pool: LoopConnections?
    /// Trace and span ids: seeded once per connection from the system generator, which costs a
    /// `getrandom` call per 8 bytes (three per request: 3% of the pass-through CPU in a profile).
    /// W3C trace context asks for unique, random-looking ids, not cryptographic ones.
    private var random = SplitMix64(seed: UInt64.random(in: .min ... .max))
    private var state = State.idle
    /// A `read` held back while the relay cannot take more request body.
    private var heldRead = false

    init(proxy: EdgeProxy, connections: UpstreamConnections) {
        self.proxy = proxy
        self.connections = connections
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.idle, .head(let head)):
            var intake = proxy.intake(head, clientAddress: context.channel.remoteAddress?.ipAddress, random: &random)
            switch intake.route {
            case .stream:
                if intake.hasBody, head.headerFields[.expect]?.lowercased() == "100-continue" {
                    // The client waits for this before sending its body (curl for a second); the edge will read it.
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
                }
                let relay = PassThroughRelay(intake: intake, proxy: proxy, downstream: context, handler: self, pool: loopPool(context))
                state = .relaying(relay)
                relay.start()
            case .buffered(let steps):
                if let hit = proxy.cachedAnswer(head, steps: steps) {
                    let (response, body) = proxy.bufferedResponse(
                        hit, method: head.method, exchange: &intake.exchange, started: intake.started, sampleBrotli: false)
                    var head = response
                    if intake.closeAfter { head.headerFields[.connection] = "close" }
                    state = .answering(
                        CachedAnswer(head: head, body: body, exchange: intake.exchange, started: intake.started, closeAfter: intake.closeAfter))
                } else {
                    state = .handingOn
                    context.fireChannelRead(data)
                }
            case .refuse:
                state = .handingOn
                context.fireChannelRead(data)
            }
        case (.handingOn, .end):
            state = .idle
            context.fireChannelRead(data)
        case (.handingOn, _), (.idle, _):
            context.fireChannelRead(data)
        case (.relaying(let relay), .body(let chunk)):
            relay.requestBody(chunk)
        case (.relaying(let relay), .end):
            relay.requestEnd()
        case (.answering(var answer), .end):
            state = .idle
            context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
            if answer.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(answer.body)), promise: nil) }
            proxy.finish(&answer.exchange, started: answer.started)  // before the client can see the end
            if answer.closeAfter {
                context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            } else {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        case (.answering, .body), (.tunnelled, _):
            break
        case (.relaying, .head), (.answering, .head):
            // NIO's pipelining handler holds a second request until the first is answered: this cannot
            // happen, and if it did, two answers would interleave. The connection ends instead.
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if case .relaying(let relay) = state, !relay.acceptsRequestBody {
            heldRead = true
            return
        }
        context.read()
    }

    /// The relay can take request body again.
    func resumeReading(_ context: ChannelHandlerContext) {
        guard heldRead else { return }
        heldRead = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .relaying(let relay) = state { relay.downstreamWritabilityChanged() }
        context.fireChannelWritabilityChanged()
    }

    /// A request the HTTP decoder could not read (bad chunking mid-body, say) while this handler owns
    /// it: answered here, never handed on — the responder would write a second answer on top of ours.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .relaying(let relay):
            relay.requestFailed(error)
        case .answering, .tunnelled:
            context.close(promise: nil)
        case .idle, .handingOn:
            context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .relaying(let relay) = state { relay.downstreamClosed() }
        state = .idle
        context.fireChannelInactive()
    }

    func relayTunnelled(_ context: ChannelHandlerContext) {
        state = .tunnelled
        resumeReading(context)
    }

    /// The relay's response is out and its request read to the end.
    func relayFinished(_ context: ChannelHandlerContext) {
        state = .idle
        resumeReading(context)
    }

    private func loopPool(_ context: ChannelHandlerContext) -> LoopConnections {
        if let pool { return pool }
        let found = connections.pool(for: context.eventLoop)
        pool = found
        return found
    }
}
