import NIOCore
import NIOHTTP1

/// An upgraded connection (WebSocket and any other `Upgrade`) after the upstream's 101: bytes
/// pass both ways unchanged between the downstream and upstream channels, which share an event
/// loop; each side stops reading while the other cannot take more, and when one side closes, the
/// other is closed.
enum UpgradeTunnel {
    /// Swaps both pipelines to raw bytes. The downstream gets the upstream's 101 head as it came
    /// (with `Server-Timing`); whatever the upstream sent after its head follows it.
    static func open(downstream: ChannelHandlerContext, upstream: UpstreamConnection, head: HTTPResponseHead, serverTiming: String) throws {
        let down = TunnelHandler()
        let up = TunnelHandler()
        down.peer = up
        up.peer = down
        // First in the downstream pipeline: what the client sends from now on never reaches the HTTP decoder.
        try downstream.pipeline.syncOperations.addHandler(down, position: .first)
        down.send(ByteBuffer(string: headText(head, serverTiming: serverTiming)))
        down.flush()
        let pipeline = upstream.channel.pipeline.syncOperations
        _ = try pipeline.removeHandler(pipeline.handler(type: UpstreamResponseHandler.self))
        try pipeline.addHandler(up)
        _ = try pipeline.removeHandler(pipeline.handler(type: HTTPRequestEncoder.self))
        // Removing the decoder hands on the bytes it holds past the 101 (`leftOverBytesStrategy: .forwardBytes`),
        // without a read-complete of their own: flushed when the removal is done.
        let removed = upstream.channel.eventLoop.makePromise(of: Void.self)
        try pipeline.removeHandler(pipeline.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self), promise: removed)
        removed.futureResult.assumeIsolated().whenComplete { _ in down.flush() }
        // Each side reads only while the other can take more (`TunnelHandler.setReading`).
        try downstream.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
        try upstream.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
        down.setReading(true)
        up.setReading(true)
    }

    static func headText(_ head: HTTPResponseHead, serverTiming: String) -> String {
        var text = "HTTP/1.1 \(head.status.code) \(head.status.reasonPhrase)\r\n"
        for (name, value) in head.headers { text += "\(name): \(value)\r\n" }
        return text + "Server-Timing: \(serverTiming)\r\n\r\n"
    }
}

/// One side of an `UpgradeTunnel`.
final class TunnelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var peer: TunnelHandler?
    private var context: ChannelHandlerContext?
    private var unflushed = false
    /// Reads are asked for here, not left to the channel's auto-read: downstream, NIO's pipelining
    /// handler (further from the socket) holds reads back while it waits for a response that,
    /// after a 101, never comes.
    private var reading = true

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        peer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer?.send(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        peer?.flush()
        if reading { context.read() }
    }

    func send(_ bytes: ByteBuffer) {
        guard let context else { return }
        context.write(wrapOutboundOut(bytes), promise: nil)
        unflushed = true
        if !context.channel.isWritable { peer?.setReading(false) }
    }

    func flush() {
        guard unflushed, let context else { return }
        unflushed = false
        context.flush()
    }

    func setReading(_ reading: Bool) {
        self.reading = reading
        if reading { context?.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { peer?.setReading(true) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let peer = self.peer
        self.peer = nil
        peer?.peer = nil
        peer?.close()
        context.fireChannelInactive()
    }

    func close() { context?.close(promise: nil) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Graceful drain: a tunnel has no end of its own to wait for.
        if event is ChannelShouldQuiesceEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
