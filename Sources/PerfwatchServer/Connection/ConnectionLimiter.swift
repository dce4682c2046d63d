import NIOCore
import PerfwatchModel
import Synchronization

/// Counts open connections. Beyond `maximum` a new connection is answered 503 and closed
/// (`ConnectionRefusal`) instead of being served: without a cap, idle connections used up
/// the process's file descriptors and then nobody, `/healthz` included, could connect.
final class ConnectionLimiter: Sendable {
    let maximum: Int
    private let open = Atomic<Int>(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// The default cap: room below the open-file limit for the store's files, listeners and
    /// outbound connections.
    static func defaultMaximum(openFileLimit: Int) -> Int {
        max(1, min(10_000, openFileLimit - 256))
    }

    /// Counts a new connection (it stays counted until `release`) and says how to treat it.
    func admit() -> Admission {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        if count <= maximum { return .serve }
        // Far beyond the cap even a polite refusal costs too much: close at once.
        return count <= maximum + 128 ? .refuse : .drop
    }

    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }

    var current: Int { open.load(ordering: .relaxed) }

    enum Admission: Equatable {
        case serve, refuse, drop
    }
}

/// Put first in a refused connection's pipeline: answers 503 + `Retry-After` at once,
/// discards what the client sends, half-closes, and closes when the client does or after
/// a second.
final class ConnectionRefusal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let answer: String = {
        let json = ErrorMiddleware<AppRequestContext>.json(
            for: PerfwatchError(.unavailable, "too many open connections; retry shortly"))
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
            + "Connection: close\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
    }()

    private let silent: Bool
    private var answered = false

    init(silent: Bool) {
        self.silent = silent
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        if silent { return context.close(promise: nil) }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: Self.answer))).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { context.close(promise: nil) }
    }
}
