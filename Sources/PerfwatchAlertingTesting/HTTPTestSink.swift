public import Foundation
internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix
internal import PerfwatchAlerting
internal import Synchronization

/// A tiny NIO HTTP server that records every request body, for the benchmark and for
/// failure tests (answer with an error status, or never answer).
public final class HTTPTestSink: Sendable {
    public struct Request: Sendable {
        public var path: String
        public var body: Data
        /// `ContinuousClock` instant of arrival, for latency measurements.
        public var receivedAt: ContinuousClock.Instant
        public var json: Any? { try? JSONSerialization.jsonObject(with: body) }
    }

    public enum Behaviour: Sendable {
        case respond(status: Int)
        /// Reads the request and never answers.
        case hang
    }

    private let state = Mutex<(requests: [Request], behaviour: Behaviour)>(([], .respond(status: 200)))
    private let channel: any Channel
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    private init(channel: any Channel) {
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    public static func start(behaviour: Behaviour = .respond(status: 200)) async throws -> HTTPTestSink {
        let holder = Locked<HTTPTestSink?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(SinkHandler { request in
                        holder.value?.received(request) ?? .respond(status: 503)
                    })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let sink = HTTPTestSink(channel: channel)
        sink.setBehaviour(behaviour)
        holder.set(sink)
        return sink
    }

    public func setBehaviour(_ behaviour: Behaviour) { state.withLock { $0.behaviour = behaviour } }

    public var requests: [Request] { state.withLock { $0.requests } }

    fileprivate func received(_ request: Request) -> Behaviour {
        state.withLock { state in
            state.requests.append(request)
            return state.behaviour
        }
    }

    /// Waits until at least `count` requests arrived, or `timeout` passed.
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(5)) async -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while requests.count < count && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        return requests
    }

    public func stop() async {
        try? await channel.close()
    }
}

private final class SinkHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let onRequest: @Sendable (HTTPTestSink.Request) -> HTTPTestSink.Behaviour
    var path = "/"
    var body = Data()

    init(onRequest: @escaping @Sendable (HTTPTestSink.Request) -> HTTPTestSink.Behaviour) {
        self.onRequest = onRequest
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri
            body = Data()
        case .body(let chunk):
            body.append(contentsOf: chunk.readableBytesView)
        case .end:
            let behaviour = onRequest(HTTPTestSink.Request(path: path, body: body, receivedAt: .now))
            guard case .respond(let status) = behaviour else { return }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "2")
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
            let closed = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: closed)
            let channel = context.channel
            closed.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
