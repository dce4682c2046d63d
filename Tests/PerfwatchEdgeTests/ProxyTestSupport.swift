import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PerfwatchEdge
import ServiceLifecycle
import Synchronization

/// A real upstream for the proxy tests: NIO's request decoder, then answers written as raw
/// bytes so a test can send what no HTTP library would (bad chunking, a close mid-body).
final class ScriptedUpstream: Sendable {
    struct Received: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    enum Reply: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], delay: Duration = .zero)
        /// Written as is; then the connection is closed when `close`.
        case raw([UInt8], close: Bool)
        /// Never answers.
        case hang
    }

    private let received = Mutex<[Received]>([])
    private let accepted = Mutex(0)
    /// Connections the proxy opened to this upstream.
    var connections: Int { accepted.withLock { $0 } }
    private let channel: any Channel
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [Received] { received.withLock { $0 } }

    private init(channel: any Channel) {
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    static func start(_ script: @escaping @Sendable (Received) -> Reply) async throws -> ScriptedUpstream {
        let holder = Mutex<ScriptedUpstream?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                holder.withLock { $0 }?.accepted.withLock { $0 += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptHandler { request in
                            holder.withLock { $0 }?.received.withLock { $0.append(request) }
                            return script(request)
                        })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let upstream = ScriptedUpstream(channel: channel)
        holder.withLock { $0 = upstream }
        return upstream
    }

    func stop() async { try? await channel.close() }

    static func response(status: Int, headers: [(String, String)], body: [UInt8]) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !headers.contains(where: { $0.0.lowercased() == "content-length" || $0.0.lowercased() == "transfer-encoding" }) {
            head += "Content-Length: \(body.count)\r\n"
        }
        return Array((head + "\r\n").utf8) + body
    }
}

private final class ScriptHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer
    let script: @Sendable (ScriptedUpstream.Received) -> ScriptedUpstream.Reply
    var current: ScriptedUpstream.Received?

    init(script: @escaping @Sendable (ScriptedUpstream.Received) -> ScriptedUpstream.Reply) { self.script = script }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            current = .init(method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: [])
        case .body(let chunk):
            current?.body += Array(chunk.readableBytesView)
        case .end:
            guard let request = current else { return }
            let channel = context.channel
            switch script(request) {
            case .hang: break
            case .raw(let bytes, let close):
                channel.writeAndFlush(ByteBuffer(bytes: bytes)).whenComplete { _ in if close { channel.close(promise: nil) } }
            case .respond(let status, let headers, let body, let delay):
                let bytes = ScriptedUpstream.response(status: status, headers: headers, body: body)
                if delay == .zero {
                    channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
                } else {
                    channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000))) {
                        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
                    }
                }
            }
        }
    }
}

/// The edge's server and proxy on a free port, for one test.
struct RunningEdge {
    let port: Int
    let pool: UpstreamPool
    let policy: PolicyState
    let client: HTTPClient
    let task: Task<Void, any Error>
    var url: String { "http://127.0.0.1:\(port)" }

    static func start(
        upstreams: [String], sink: (any EdgeExchangeSink)? = nil, steps: BufferedSteps = BufferedSteps(),
        configure: (inout EdgeConfiguration) -> Void = { _ in }
    ) async throws -> RunningEdge {
        var configuration = EdgeConfiguration()
        configuration.upstreams = upstreams
        configuration.listenPort = 0
        configure(&configuration)
        let logger = Logger(label: "edge-test")
        let client = EdgeServer.makeClient(configuration)
        let pool = UpstreamPool(urls: configuration.upstreams, algorithm: configuration.balancing)
        let policy = PolicyState(
            local: configuration.localPolicy, upstreams: configuration.upstreams, balancing: configuration.balancing, pool: pool)
        let proxy = EdgeProxy(configuration: configuration, pool: pool, policy: policy, client: client, sink: sink, steps: steps, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let service = try EdgeServer.makeService(proxy: proxy, host: "127.0.0.1", port: 0, logger: logger) { port in
            continuation.yield(port)
        }
        let task = Task { try await service.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return RunningEdge(port: port, pool: pool, policy: policy, client: client, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        try? await client.shutdown()
    }
}

/// A downstream client for the tests (its own pool, no retries, no redirects).
enum TestClient {
    static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(30)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func send(
        _ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: HTTPClientRequest.Body? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = body
        let response = try await shared.execute(request, timeout: .seconds(30))
        var bytes: [UInt8] = []
        for try await chunk in response.body { bytes += Array(chunk.readableBytesView) }
        return Answer(status: Int(response.status.code), headers: response.headers, body: bytes)
    }
}

/// A port nothing listens on: bound, then closed.
func closedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 1
    try await channel.close()
    return port
}
