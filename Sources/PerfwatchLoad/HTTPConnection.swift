internal import NIOCore

/// One keep-alive HTTP/1.1 connection of a worker's pool, and the only handler of its
/// pipeline: requests go out as pre-encoded bytes, responses are framed by
/// ``HTTPResponseParser``.
///
/// Why not the shared async-http-client (`OutboundHTTP`), which everything else that sends
/// HTTP uses: the generator runs on the machine it measures and its CPU per request is taken
/// from the server. Benchmarks/README.md (RUM beacons): one generator thread drives `/healthz`
/// at up to 29,900/s beside the server on 2 cores, the server using 49 µs of CPU per request,
/// which leaves the client at most ~18 µs per request ((2 s − 29,900 × 49 µs) / 29,900).
/// That needs one write per request from pre-encoded bytes and no per-response header
/// dictionaries (NIOHTTP1's decoder alone cost more than the rest of the generator, see
/// ``HTTPResponseParser``), while async-http-client builds a request, a task and header
/// dictionaries per request and decodes with NIOHTTP1. Latency must also be stamped on the
/// event loop at the write (`sentAt`), which its async API does not expose. Not benchmarked
/// against async-http-client itself.
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
