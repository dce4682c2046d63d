internal import NIOCore

/// One keep-alive HTTP/1.1 connection of a worker's pool, and the only handler of its
/// pipeline: requests go out as pre-encoded bytes, responses are framed by
/// ``HTTPResponseParser``.
///
/// Confined to the worker's event loop (hence `@unchecked Sendable`): it is handed to the
/// channel initializer, which runs on that loop, and touched only from there.
final class HTTPConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    unowned let worker: LoadWorker
    private var context: ChannelHandlerContext?
    private var parser = HTTPResponseParser()
    /// The iteration whose request is in flight; `nil` while idle.
    var current: Iteration?
    /// When the request was written, for the uncorrected latency and the request timeout.
    var sentAt: UInt64 = 0
    /// Set when the timeout sweep closes the channel, so the failure is classed `timeout`.
    var timedOut = false
    var isClosed = false

    init(worker: LoadWorker) {
        self.worker = worker
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Writes a request in one write and flush (one syscall).
    func send(_ request: CompiledRequest, bytes: ByteBuffer, for iteration: Iteration) {
        guard let context else {
            worker.requestFailed(iteration, kind: .network, on: self)
            return
        }
        current = iteration
        parser.collectBody = request.needsBody
        parser.isHeadRequest = request.isHead
        sentAt = LoadClock.now()
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        parser.append(&bytes)
        do {
            while let response = try parser.next() { complete(response) }
        } catch {
            context.close(promise: nil)
        }
    }

    private func complete(_ response: HTTPResponseParser.Response) {
        guard let iteration = current else { return }
        current = nil
        worker.responseReceived(iteration, status: response.status, body: response.body, keepAlive: response.keepAlive, on: self)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        self.context = nil
        if let response = parser.end() { complete(response) }
        let failed = current
        current = nil
        worker.connectionClosed(self, failing: failed, kind: timedOut ? .timeout : .network)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func close() {
        guard !isClosed else { return }
        context?.close(promise: nil)
    }
}

/// Monotonic nanoseconds, the time base of schedules and latencies.
enum LoadClock {
    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
}
