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
protocol UpstreamConnectionDelegate: AnyObject {
    func upstreamRead(_ part: HTTPClientResponsePart)
    func upstreamReadComplete()
    func upstreamWritabilityChanged()
    /// The connection failed or closed while this exchange held it.
    func upstreamClosed(_ error: (any Error)?)
}

/// A keep-alive HTTP/1.1 connection to one upstream instance, used by one exchange at a time.
/// Confined to its event loop (the `@unchecked Sendable` is for futures' signatures only).
final class UpstreamConnection: @unchecked Sendable {
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
}

/// The upstream keep-alive pool of one event loop: downstream connections and the upstream
/// connections they use share a loop, so nothing here takes a lock. Idle connections are kept up
/// to `maxIdle` per upstream (nginx's `keepalive`); connections in use are not capped.
final class LoopConnections: @unchecked Sendable {
    let eventLoop: any EventLoop
    let targets: [UpstreamTarget]
    let connectTimeout: TimeAmount
    let maxIdle: Int
    private var idle: [[UpstreamConnection]]
    /// Exchanges with a deadline (first byte, idle body), checked by one repeating task per loop:
    /// a scheduled task per request cost 3% of pass-through CPU in a profile.
    private var watched: [ObjectIdentifier: PassThroughRelay] = [:]
    private var sweeper: RepeatedTask?
    static let sweepInterval = TimeAmount.milliseconds(100)

    init(eventLoop: any EventLoop, targets: [UpstreamTarget], connectTimeout: TimeAmount, maxIdle: Int) {
        self.eventLoop = eventLoop
        self.targets = targets
        self.connectTimeout = connectTimeout
        self.maxIdle = maxIdle
        idle = Array(repeating: [], count: targets.count)
    }

    /// An idle connection to upstream `index`, if one is open.
    func take(_ index: Int) -> UpstreamConnection? {
        while let connection = idle[index].popLast() {
            if connection.channel.isActive { return connection }
        }
        return nil
    }

    /// Back to the pool after a complete exchange (or closed when the pool is full).
    func put(_ connection: UpstreamConnection) {
        connection.delegate = nil
        connection.reused = true
        guard connection.channel.isActive, idle[connection.index].count < maxIdle else {
            connection.channel.close(promise: nil)
            return
        }
        idle[connection.index].append(connection)
    }

    func watch(_ relay: PassThroughRelay) {
        watched[ObjectIdentifier(relay)] = relay
        if sweeper == nil {
            sweeper = eventLoop.scheduleRepeatedTask(initialDelay: Self.sweepInterval, delay: Self.sweepInterval) { _ in self.sweep() }
        }
    }

    func unwatch(_ relay: PassThroughRelay) {
        watched.removeValue(forKey: ObjectIdentifier(relay))
    }

    private func sweep() {
        let now = DispatchTime.now().uptimeNanoseconds
        for relay in Array(watched.values) where relay.deadline != 0 && now >= relay.deadline {
            relay.deadlinePassed()
        }
    }

    /// An idle connection the upstream closed leaves the pool.
    fileprivate func closed(_ connection: UpstreamConnection) {
        idle[connection.index].removeAll { $0 === connection }
    }

    /// A new connection to upstream `index` (TCP_NODELAY, NIO's HTTP/1.1 client codec).
    func connect(_ index: Int) -> EventLoopFuture<UpstreamConnection> {
        let target = targets[index]
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // `.forwardBytes`: bytes after a 101 reach the tunnel when the decoder is removed (`UpgradeTunnel`).
                    // No header validation: the headers come from a request NIO parsed and HTTPTypes checked.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes, enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(UpstreamResponseHandler(connection: UpstreamConnection(channel: channel, index: index)))
                }
            }
        let connected = target.address.map { bootstrap.connect(to: $0) } ?? bootstrap.connect(host: target.host, port: target.port)
        return connected.flatMapThrowing { channel in
            let connection = try channel.pipeline.syncOperations.handler(type: UpstreamResponseHandler.self).connection
            connection.pool = self
            return connection
        }
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
        let delegate = connection.delegate
        connection.delegate = nil
        delegate?.upstreamClosed(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let delegate = connection.delegate {
            connection.delegate = nil
            delegate.upstreamClosed(nil)
        } else {
            connection.pool?.closed(connection)
        }
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
