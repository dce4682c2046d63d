import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel: the edge's byte-level `FastPathHandler` first; when a
/// request needs more, Hummingbird's HTTP/1.1 handlers with the edge's `PassThroughHandler` placed
/// after the connection-state handler (Hummingbird's own `additionalChannelHandlers` go before it,
/// where idle timeouts and graceful drain would not see the requests relayed on the event loop).
struct EdgeHTTP1Channel: HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let proxy: EdgeProxy
    let connections: UpstreamConnections
    let decoderLimits: NIOHTTPDecoderLimitConfiguration
    let idleTimeout: Duration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Each connection keeps its receive buffer between reads: start it at 512 bytes (NIO's default is
            // 2 KiB; a request head is usually smaller), it grows for larger reads. Measured in edge_bench's RSS row.
            try channel.syncOptions?.setOption(
                ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536))
            // The byte-level fast path first; the HTTP pipeline is added only when a request needs it (`FastPathHandler`),
            // so a connection that only sees fast-path requests never pays for NIO's HTTP codec.
            let fullPipeline: FastPathHandler.FullPipeline = { pipeline, fastPath in
                // Each `.after(fastPath)` lands right behind it: added last to first.
                try pipeline.addHandler(PassThroughHandler(proxy: proxy, connections: connections), position: .after(fastPath))
                try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger), position: .after(fastPath))
                try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false), position: .after(fastPath))
                try pipeline.configureHTTPServerPipeline(
                    position: .after(fastPath), withPipeliningAssistance: true, withErrorHandling: false, withOutboundHeaderValidation: false,
                    withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
            }
            try channel.pipeline.syncOperations.addHandler(
                FastPathHandler(proxy: proxy, connections: connections, idleTimeout: .nanoseconds(Int64(idleTimeout.components.seconds) * 1_000_000_000), fullPipeline: fullPipeline))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}
