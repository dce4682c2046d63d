import NIOCore

/// What a fast-path upstream connection tells the exchange using it (on its event loop).
protocol RawUpstreamDelegate: UpstreamClosedListener {
    func upstreamBytes(_ bytes: ByteBuffer)
    func upstreamReadComplete()
}

/// A keep-alive connection to one upstream instance carrying the fast path's bytes (no HTTP codec:
/// `FastExchange` writes the request head and scans the answer itself). One exchange at a time.
final class RawUpstreamConnection: PooledConnection, @unchecked Sendable {
    let channel: any Channel
    let index: Int
    var delegate: (any RawUpstreamDelegate)?
    /// Served an exchange before (a close before any answer may be the upstream closing it as it was reused).
    var reused = false
    weak var pool: LoopConnections?

    init(channel: any Channel, index: Int) {
        self.channel = channel
        self.index = index
    }

    var listener: (any UpstreamClosedListener)? { delegate }
    func detach() { delegate = nil }
}

final class RawUpstreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let connection: RawUpstreamConnection

    init(connection: RawUpstreamConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let delegate = connection.delegate {
            delegate.upstreamBytes(unwrapInboundIn(data))
        } else {
            // Bytes nobody asked for on an idle connection: it cannot be trusted with another exchange.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection.delegate?.upstreamReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        _ = connection.failed(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !connection.failed(nil) { connection.pool?.rawIdle.remove(connection) }
    }
}

extension LoopConnections {
    /// A new fast-path connection to upstream `index` (TCP_NODELAY, no codec).
    func connectRaw(_ index: Int) -> EventLoopFuture<RawUpstreamConnection> {
        dial(index) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RawUpstreamHandler(connection: RawUpstreamConnection(channel: channel, index: index)))
            }
        }
        .flatMapThrowing { channel in
            let connection = try channel.pipeline.syncOperations.handler(type: RawUpstreamHandler.self).connection
            connection.pool = self
            return connection
        }
    }
}
