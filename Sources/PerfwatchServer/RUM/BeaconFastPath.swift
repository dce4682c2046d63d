import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import PerfwatchIngest
import PerfwatchModel

/// Answers `POST /api/v1/rum` on the connection's event loop, ahead of the router. It sits
/// right after NIO's HTTP/1 decoder (see `GuardedHTTP1Channel`), so a beacon's head is not
/// converted to HTTPTypes and back either.
///
/// Why: a beacon is small and arrives by the ten thousand per second. Through the router each
/// one crossed from the event loop into a connection task and back, streamed its body through
/// an async sequence and its answer through an async writer: about 34 µs of CPU before any
/// beacon work (measured with `GET /healthz`: 49 µs through the router, 15 µs answered here).
/// Here the beacon is parsed and derived where its bytes arrive, submitted to the pipeline
/// with a callback, and answered when its commit is durable, as before.
///
/// Decisions and answers come from `BeaconIntake`, as on the router's path. A beacon is left
/// to the router when the connection still owes an answer to an earlier request (HTTP/1.1
/// answers in order); parts that arrive while a beacon is committing wait here, in order.
final class BeaconFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Up to this many bytes of a refused body are read and discarded, so the connection can
    /// carry on; beyond it the refusal is answered at once and the connection closed.
    static let maxDiscardedBytes = 1 << 20

    private struct Beacon {
        let head: HTTPRequestHead
        var body: ByteBuffer?
        var bytes = 0
        var refusal: PerfwatchError?
    }

    private enum State {
        case idle
        case reading(Beacon)
        case committing
    }

    private let intake: BeaconIntake
    private let pipeline: IngestPipeline
    private var state = State.idle
    /// Requests handed to the router whose answers have not been written yet.
    private var routed = 0
    /// Inbound parts and a quiesce event that arrived while a beacon was committing.
    private var held = CircularBuffer<NIOAny>()
    private var heldQuiesce = false

    init(intake: BeaconIntake, pipeline: IngestPipeline) {
        self.intake = intake
        self.pipeline = pipeline
    }

    static func isBeacon(_ head: HTTPRequestHead) -> Bool {
        head.method == .POST && (head.uri == "/api/v1/rum" || head.uri.hasPrefix("/api/v1/rum?"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .committing = state {
            held.append(data)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard routed == 0, Self.isBeacon(head) else {
                routed += 1
                return context.fireChannelRead(data)
            }
            var beacon = Beacon(head: head)
            do {
                try intake.admit(
                    client: context.channel.remoteAddress?.ipAddress ?? "unknown", contentType: head.headers.first(name: "content-type"))
            } catch {
                beacon.refusal = Self.perfwatchError(error)
            }
            state = .reading(beacon)
        case .body(var chunk):
            guard case .reading(var beacon) = state else { return context.fireChannelRead(data) }
            state = .idle  // so the body buffer below is not shared with `state` (no copy on write)
            beacon.bytes += chunk.readableBytes
            if beacon.refusal == nil {
                if beacon.bytes > BeaconIntake.maxBodyBytes {
                    beacon.refusal = PerfwatchError(.payloadTooLarge, "body is larger than the limit of \(BeaconIntake.maxBodyBytes) bytes")
                    beacon.body = nil
                } else if beacon.body == nil {
                    beacon.body = chunk
                } else {
                    beacon.body!.writeBuffer(&chunk)
                }
            }
            if beacon.bytes > Self.maxDiscardedBytes, let refusal = beacon.refusal {
                // Answered before the body is read: `ConnectionGuard` closes the connection
                // after this answer and hands nothing more on.
                state = .committing
                return answer(refusal, version: beacon.head.version, context: context, close: false)
            }
            state = .reading(beacon)
        case .end:
            guard case .reading(let beacon) = state else { return context.fireChannelRead(data) }
            finish(beacon, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The server is shutting down: the connection handler closes connections it believes
        // idle. It never saw this beacon, so it learns of the quiesce once the beacon is answered.
        if event is ChannelShouldQuiesceEvent, !isIdle {
            heldQuiesce = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routed -= 1 }
        context.write(data, promise: promise)
    }

    private var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    private func finish(_ beacon: Beacon, context: ChannelHandlerContext) {
        state = .committing
        let close = !beacon.head.isKeepAlive
        if let refusal = beacon.refusal { return answer(refusal, version: beacon.head.version, context: context, close: close) }
        let accepted: BeaconIntake.Accepted
        do {
            let body = beacon.body.map { Array($0.readableBytesView) } ?? []
            let decoded = try RequestBodyDecoding.decode(
                body, contentEncoding: beacon.head.headers.first(name: "content-encoding"), limit: BeaconIntake.maxBodyBytes)
            accepted = try intake.accept(
                body: decoded, origin: beacon.head.headers.first(name: "origin"), userAgent: beacon.head.headers.first(name: "user-agent"))
        } catch {
            return answer(Self.perfwatchError(error), version: beacon.head.version, context: context, close: close)
        }
        let json = accepted.responseJSON
        let origin = accepted.origin
        let version = beacon.head.version
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        pipeline.submit(accepted.payload) { result in
            bound.eventLoop.execute {
                let (handler, context) = bound.value
                switch result {
                case .success:
                    var fields = HTTPHeaders()
                    if let origin { for field in BeaconIntake.cors(origin: origin) { fields.add(name: field.name.rawName, value: field.value) } }
                    handler.respond(status: .accepted, json: json, extra: fields, version: version, context: context, close: close)
                case .failure(let error):
                    handler.answer(Self.perfwatchError(error), version: version, context: context, close: close)
                }
            }
        }
    }

    private func answer(_ error: PerfwatchError, version: HTTPVersion, context: ChannelHandlerContext, close: Bool) {
        var fields = HTTPHeaders()
        if ErrorMiddleware<AppRequestContext>.asksToRetry(error.code) { fields.add(name: "Retry-After", value: "1") }
        respond(
            status: ErrorMiddleware<AppRequestContext>.status(for: error.code), json: ErrorMiddleware<AppRequestContext>.json(for: error),
            extra: fields, version: version, context: context, close: close)
    }

    private func respond(
        status: HTTPResponse.Status, json: String, extra: HTTPHeaders, version: HTTPVersion, context: ChannelHandlerContext, close: Bool
    ) {
        let body = context.channel.allocator.buffer(string: json)
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(body.readableBytes))])
        headers.add(contentsOf: extra)
        if close { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status.code), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        if close {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            return  // stays `.committing`: nothing more is read
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        state = .idle
        replayHeld(context: context)
    }

    /// Hands on, in order, what arrived while the beacon was committing; stops if one of
    /// those parts is another beacon that starts committing.
    private func replayHeld(context: ChannelHandlerContext) {
        let replaying = !held.isEmpty
        while !held.isEmpty, isIdleOrReading {
            channelRead(context: context, data: held.removeFirst())
        }
        if replaying { context.fireChannelReadComplete() }
        if heldQuiesce, isIdle {
            heldQuiesce = false
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    private var isIdleOrReading: Bool {
        if case .committing = state { return false }
        return true
    }

    private static func perfwatchError(_ error: any Error) -> PerfwatchError {
        error as? PerfwatchError ?? PerfwatchError(.internal, "internal error")
    }
}
