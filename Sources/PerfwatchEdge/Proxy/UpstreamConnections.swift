import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PerfwatchModel

/// One upstream instance as the pass-through path dials it: its address resolved once at start
/// (a name is resolved again at each connect only if that failed), the `Host` it is asked for, and
/// the path prefix its URL may carry.
struct UpstreamTarget: Sendable {
    let url: String
    let host: String
    let port: Int
    let authority: String
    let basePath: String
    let address: SocketAddress?

    init(url: String) {
        self.url = url
        let parsed = URLComponents(string: url)
        host = parsed?.host ?? "127.0.0.1"
        port = parsed?.port ?? (parsed?.scheme == "https" ? 443 : 80)
        authority = parsed?.port == nil ? host : "\(host):\(port)"
        let path = parsed?.path ?? ""
        basePath = path.hasSuffix("/") ? String(path.dropLast()) : path
        address = try? SocketAddress.makeAddressResolvingHost(host, port: port)
    }
}

/// What an upstream connection tells the exchange using it (all on the connection's event loop).
protocol UpstreamConnectionDelegate: UpstreamClosedListener {
    func upstreamRead(_ part: HTTPClientResponsePart)
    func upstreamReadComplete()
    func upstreamWritabilityChanged()
}

/// An exchange with a first-byte or idle deadline, checked by its loop's sweep (`LoopConnections.watch`).
protocol DeadlineWatched: AnyObject {
    /// When the current wait runs out (uptime nanoseconds); 0: none.
    var deadline: UInt64 { get }
    func deadlinePassed()
}

/// What an exchange using an upstream connection hears when it fails or closes (on its loop).
protocol UpstreamClosedListener: AnyObject {
    /// The connection failed (`error`) or the upstream closed it (nil) while this exchange held it.
    func upstreamClosed(_ error: (any Error)?)
}

/// An upstream connection a loop's pool keeps between exchanges (`IdleConnections`).
protocol PooledConnection: AnyObject {
    var channel: any Channel { get }
    var index: Int { get }
    /// Served an exchange before (a failure before any answer may be the upstream closing it as it was reused).
    var reused: Bool { get set }
    /// The exchange using it; nil while idle in the pool.
    var listener: (any UpstreamClosedListener)? { get }
    /// No exchange uses it any more.
    func detach()
}

extension PooledConnection {
    /// It failed or closed: the exchange using it is told (true), or there is none (false: it was idle).
    func failed(_ error: (any Error)?) -> Bool {
        guard let listener else { return false }
        detach()
        listener.upstreamClosed(error)
        return true
    }
}

/// Idle keep-alive connections per upstream instance, up to `maxIdle` each (nginx's `keepalive`).
struct IdleConnections<Connection: PooledConnection> {
    private var lists: [[Connection]]
    let maxIdle: Int

    init(upstreams: Int, maxIdle: Int) {
        lists = Array(repeating: [], count: upstreams)
        self.maxIdle = maxIdle
    }

    /// An idle connection to upstream `index`, if one is open.
    mutating func take(_ index: Int) -> Connection? {
        while let connection = lists[index].popLast() {
            if connection.channel.isActive { return connection }
        }
        return nil
    }

    /// Back to the pool after a complete exchange (or closed when the pool is full).
    mutating func put(_ connection: Connection) {
        connection.detach()
        connection.reused = true
        guard connection.channel.isActive, lists[connection.index].count < maxIdle else {
            connection.channel.close(promise: nil)
            return
        }
        lists[connection.index].append(connection)
    }

    /// An idle connection the upstream closed leaves the pool.
    mutating func remove(_ connection: Connection) {
        lists[connection.index].removeAll { $0 === connection }
    }
}

/// A keep-alive HTTP/1.1 connection to one upstream instance, used by one exchange at a time.
/// Confined to its event loop (the `@unchecked Sendable` is for futures' signatures only).
final class UpstreamConnection: PooledConnection, @unchecked Sendable {
    let channel: any Channel
    let index: Int
    /// The exchange using it; nil while idle in the pool.
    var delegate: (any UpstreamConnectionDelegate)?
    /// Served an exchange before (a failure before any answer may be the upstream closing it as it was reused).
    var reused = false
    fileprivate weak var pool: LoopConnections?

    init(channel: any Channel, index: Int) {
        self.channel = channel
        self.index = index
    }

    var listener: (any UpstreamClosedListener)? { delegate }
    func detach() { delegate = nil }
}

/// The upstream keep-alive pool of one event loop: downstream connections and the upstream
/// connections they use share a loop, so nothing here takes a lock. Idle connections are kept up
/// to `maxIdle` per upstream (nginx's `keepalive`); connections in use are not capped.
final class LoopConnections: @unchecked Sendable {
    let eventLoop: any EventLoop
    let targets: [UpstreamTarget]
    let connectTimeout: TimeAmount
    let maxIdle: Int
    private var idle: IdleConnections<UpstreamConnection>
    /// The fast path's connections (bytes, no HTTP codec: `RawUpstreamConnection`), kept apart from the codec ones.
    var rawIdle: IdleConnections<RawUpstreamConnection>
    /// Exchanges with a deadline (first byte, idle body), checked by one repeating task per loop:
    /// a scheduled task per request cost 3% of pass-through CPU in a profile.
    private var watched: [ObjectIdentifier: any DeadlineWatched] = [:]
    private var sweeper: RepeatedTask?
    static let sweepInterval = TimeAmount.milliseconds(100)

    init(eventLoop: any EventLoop, targets: [UpstreamTarget], connectTimeout: TimeAmount, maxIdle: Int) {
        self.eventLoop = eventLoop
        self.targets = targets
        self.connectTimeout = connectTimeout
        self.maxIdle = maxIdle
        idle = IdleConnections(upstreams: targets.count, maxIdle: maxIdle)
        rawIdle = IdleConnections(upstreams: targets.count, maxIdle: maxIdle)
    }

    func take(_ index: Int) -> UpstreamConnection? { idle.take(index) }

    func put(_ connection: UpstreamConnection) { idle.put(connection) }

    func watch(_ relay: any DeadlineWatched) {
        watched[ObjectIdentifier(relay)] = relay
        if sweeper == nil {
            sweeper = eventLoop.scheduleRepeatedTask(initialDelay: Self.sweepInterval, delay: Self.sweepInterval) { _ in self.sweep() }
        }
    }

    func unwatch(_ relay: any DeadlineWatched) {
        watched.removeValue(forKey: ObjectIdentifier(relay))
    }

    private func sweep() {
        let now = DispatchTime.now().uptimeNanoseconds
        for relay in Array(watched.values) where relay.deadline != 0 && now >= relay.deadline {
            relay.deadlinePassed()
        }
    }

    /// An idle connection the upstream closed leaves the pool.
    fileprivate func closed(_ connection: UpstreamConnection) { idle.remove(connection) }

    /// A new connection to upstream `index` (TCP_NODELAY, NIO's HTTP/1.1 client codec).
    func connect(_ index: Int) -> EventLoopFuture<UpstreamConnection> {
        dial(index) { channel in
            channel.eventLoop.makeCompletedFuture {
                // `.forwardBytes`: bytes after a 101 reach the tunnel when the decoder is removed (`UpgradeTunnel`).
                // No header validation: the headers come from a request NIO parsed and HTTPTypes checked.
                try channel.pipeline.syncOperations.addHTTPClientHandlers(
                    leftOverBytesStrategy: .forwardBytes, enableOutboundHeaderValidation: false)
                try channel.pipeline.syncOperations.addHandler(UpstreamResponseHandler(connection: UpstreamConnection(channel: channel, index: index)))
            }
        }
        .flatMapThrowing { channel in
            let connection = try channel.pipeline.syncOperations.handler(type: UpstreamResponseHandler.self).connection
            connection.pool = self
            return connection
        }
    }

    /// A TCP connection to upstream `index` (TCP_NODELAY, the connect timeout) with `initializer`'s handlers.
    func dial(_ index: Int, initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<any Channel> {
        let target = targets[index]
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer(initializer)
        return target.address.map { bootstrap.connect(to: $0) } ?? bootstrap.connect(host: target.host, port: target.port)
    }
}

/// The last handler of an upstream connection: hands what arrives to the exchange using it.
final class UpstreamResponseHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let connection: UpstreamConnection

    init(connection: UpstreamConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.delegate?.upstreamRead(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection.delegate?.upstreamReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection.delegate?.upstreamWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        _ = connection.failed(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !connection.failed(nil) { connection.pool?.closed(connection) }
    }
}

/// Every event loop's `LoopConnections`, made once for the loops of the group the edge runs on.
final class UpstreamConnections: Sendable {
    private let loops: [ObjectIdentifier: LoopConnections]
    private let targets: [UpstreamTarget]
    private let connectTimeout: TimeAmount
    private let maxIdle: Int

    init(group: any EventLoopGroup, upstreams: [String], connectTimeout: Duration, maxIdle: Int = 128) {
        targets = upstreams.map(UpstreamTarget.init(url:))
        self.connectTimeout = .milliseconds(connectTimeout.wholeMilliseconds)
        self.maxIdle = maxIdle
        var loops: [ObjectIdentifier: LoopConnections] = [:]
        for loop in group.makeIterator() {
            loops[ObjectIdentifier(loop)] = LoopConnections(eventLoop: loop, targets: targets, connectTimeout: self.connectTimeout, maxIdle: maxIdle)
        }
        self.loops = loops
    }

    /// The pool of `loop`; a loop outside the group gets one of its own (kept by the downstream connection that asked).
    func pool(for loop: any EventLoop) -> LoopConnections {
        loops[ObjectIdentifier(loop)] ?? LoopConnections(eventLoop: loop, targets: targets, connectTimeout: connectTimeout, maxIdle: maxIdle)
    }
}
