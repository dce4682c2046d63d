import Logging
import NIOCore
import NIOHTTP1
import PerfwatchModel

/// Every connection's first handler after NIO's request decoder: it keeps the connection's
/// deadlines, answers what the router cannot, and closes connections the right way.
///
/// - Slowness: closes a connection whose head, body or idle time runs past its limit
///   (`ConnectionDeadlines`). It sees every read burst, also those that complete no part
///   (a trickled head), because the decoder passes on `channelReadComplete`.
/// - Methods: a request with a method the server has no use for (CONNECT, TRACE, …) is
///   answered 405 + `Allow` here and the connection closed: NIO treats CONNECT as a switch
///   to a tunnel and stops decoding, so through the router it was never answered.
/// - Health: `GET /healthz` is answered here (see `answerHealth`).
/// - HEAD: handed on as GET, so every GET route answers HEAD with the same status and
///   headers; the body parts of its answer are dropped here (NIO's encoder would fail them).
/// - Early answers: a response written before its request's body was read (413, 401,
///   overload) gets `Connection: close`; the connection then stops answering, half-closes
///   and discards what still arrives for a short linger, so the client, still sending,
///   reads the answer instead of a reset, and nobody waits on a body nobody reads.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let supportedMethods: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .PATCH, .DELETE, .OPTIONS]
    static let allowHeader = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

    private var deadlines: ConnectionDeadlines
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var timerAt: UInt64?
    /// Whether the current read burst completed any request part.
    private var decodedThisRead = false
    /// For each request handed on, in order: whether it came as HEAD.
    private var headRequests = CircularBuffer<Bool>()
    private var answeringHead = false
    private var closeAfterResponse = false
    /// A request refused for its method, waiting for the answers to the requests before it.
    private var pendingRefusal: HTTPRequestHead?
    /// Nothing more is handed on: the connection is being closed.
    private var closing = false
    /// The request being read was answered here (`/healthz`): its parts are not handed on.
    private var answeredHere = false

    init(limits: ConnectionDeadlines.Limits, logger: Logger) {
        deadlines = ConnectionDeadlines(limits: limits, now: Self.now())
        self.logger = logger
    }

    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    // MARK: lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { reschedule(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        reschedule(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        decodedThisRead = true
        if closing { return }  // discarded: the connection is lingering or refusing
        switch unwrapInboundIn(data) {
        case .head(var head):
            deadlines.headReceived(now: Self.now())
            guard Self.supportedMethods.contains(head.method) else {
                closing = true
                deadlines.endReceived()  // its body, if any, is not read
                if deadlines.unanswered == 1 {
                    writeRefusal(head, context: context)
                } else {
                    pendingRefusal = head
                }
                return reschedule(context: context)
            }
            let isHead = head.method == .HEAD
            if (isHead || head.method == .GET) && head.uri == "/healthz" && deadlines.unanswered == 1 {
                return answerHealth(head, context: context)
            }
            if isHead { head.method = .GET }
            headRequests.append(isHead)
            reschedule(context: context)
            context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body:
            if answeredHere { return }
            context.fireChannelRead(data)
        case .end:
            deadlines.endReceived()
            reschedule(context: context)
            if answeredHere {
                answeredHere = false
                return
            }
            context.fireChannelRead(data)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        let decodedParts = decodedThisRead
        decodedThisRead = false
        guard !closing else {
            // Hummingbird's channel stopped asking for reads when it stopped consuming; a
            // lingering connection must keep draining what the client sends.
            return context.read()
        }
        deadlines.bytesArrived(now: Self.now(), decodedParts: decodedParts)
        reschedule(context: context)
        context.fireChannelReadComplete()
    }

    // MARK: outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            let code = head.status.code
            if !(100..<200).contains(code) || code == 101 {
                answeringHead = headRequests.popFirst() ?? false
                if deadlines.answersUnreadBody() {
                    closeAfterResponse = true
                    closing = true
                    head.headers.replaceOrAdd(name: "Connection", value: "close")
                }
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            if answeringHead {
                promise?.succeed()
                return
            }
            context.write(data, promise: promise)
        case .end:
            answeringHead = false
            deadlines.responseEnded(now: Self.now())
            if closeAfterResponse {
                closeAfterResponse = false
                writeThenLinger(data, promise: promise, context: context)
            } else {
                context.write(data, promise: promise)
                if let refusal = pendingRefusal, deadlines.unanswered == 1 {
                    pendingRefusal = nil
                    writeRefusal(refusal, context: context)
                }
            }
            reschedule(context: context)
        }
    }

    // MARK: answers and closing

    /// `GET /healthz` is answered on the event loop: a liveness probe must not wait behind
    /// ingest parsing for a thread of the cooperative pool (under 5x overload it waited
    /// seconds there). The route stays for in-process tests; the answer is the same.
    private func answerHealth(_ request: HTTPRequestHead, context: ChannelHandlerContext) {
        answeredHere = true
        let body = context.channel.allocator.buffer(string: ProbeStatus.okText)
        var headers = HTTPHeaders([
            ("Content-Type", "application/json"), ("Content-Length", String(body.readableBytes)), ("Server", "perfwatch"),
        ])
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .ok, headers: headers))), promise: nil)
        // NIO's encoder frames an answer to HEAD without a body.
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        deadlines.responseEnded(now: Self.now())
        if request.isKeepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            writeThenLinger(wrapOutboundOut(.end(nil)), promise: nil, context: context)
        }
        reschedule(context: context)
    }

    private func writeRefusal(_ request: HTTPRequestHead, context: ChannelHandlerContext) {
        let error = PerfwatchError(
            .methodNotAllowed, "method \(request.method.rawValue) is not supported by this server; use \(Self.allowHeader)")
        let body = context.channel.allocator.buffer(string: ErrorMiddleware<AppRequestContext>.json(for: error))
        let headers = HTTPHeaders([
            ("Allow", Self.allowHeader), ("Content-Type", "application/json"), ("Content-Length", String(body.readableBytes)),
            ("Connection", "close"),
        ])
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .methodNotAllowed, headers: headers))), promise: nil)
        // NIO's encoder frames an answer to CONNECT without a body (it would fail the write).
        if request.method != .CONNECT { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        deadlines.responseEnded(now: Self.now())
        writeThenLinger(wrapOutboundOut(.end(nil)), promise: nil, context: context)
    }

    /// Writes the last part of an answer, then half-closes and lingers (see the type's comment).
    private func writeThenLinger(_ data: NIOAny, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        closing = true
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(data, promise: written)
        written.futureResult.assumeIsolated().whenComplete { result in
            promise?.completeWith(result)
            self.deadlines.startLingering(now: Self.now())
            context.close(mode: .output, promise: nil)
            self.reschedule(context: context)
            context.read()
        }
    }

    private func reschedule(context: ChannelHandlerContext) {
        guard let deadline = deadlines.deadline() else { return }
        if let timerAt, timerAt <= deadline.at { return }  // that timer checks again when it fires
        timer?.cancel()
        timerAt = deadline.at
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(deadline.at)) {
            self.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        timerAt = nil
        if let reason = deadlines.expired(now: Self.now()) {
            logger.debug(
                "closing a connection: \(reason.rawValue) time limit passed",
                metadata: ["remote": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")"])
            context.close(promise: nil)
            return
        }
        reschedule(context: context)
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerAt = nil
    }
}
