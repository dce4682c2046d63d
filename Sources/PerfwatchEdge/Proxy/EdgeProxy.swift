public import AsyncHTTPClient
import Foundation
import HTTPTypes
public import HummingbirdCore
public import Logging
public import NIOCore
import NIOHTTP1
import PerfwatchEdgePolicy
import PerfwatchHTTPClient
import PerfwatchModel
import Synchronization

/// The edge's request path: checks the limits, picks an upstream, streams the request to it
/// and its answer back (no buffering), and answers itself when that fails (`ProxyFailure`).
public final class EdgeProxy: Sendable {
    let configuration: EdgeConfiguration
    let pool: UpstreamPool
    let policy: PolicyState
    let client: HTTPClient
    let sink: (any EdgeExchangeSink)?
    let steps: BufferedSteps
    let repeats = RepeatTracker()
    /// Body bytes the cache and compression kept from crossing: served without an upstream request, or smaller.
    let bytesSaved = Atomic<Int>(0)
    private let sampled = Atomic<Int>(0)
    private let imageSampled = Atomic<Int>(0)
    let logger: Logger

    public init(
        configuration: EdgeConfiguration, pool: UpstreamPool, policy: PolicyState, client: HTTPClient, sink: (any EdgeExchangeSink)?,
        steps: BufferedSteps = BufferedSteps(), logger: Logger
    ) {
        self.steps = steps
        self.configuration = configuration
        self.pool = pool
        self.policy = policy
        self.client = client
        self.sink = sink
        self.logger = logger
    }

    /// The upstream's answer up to its head, with what the exchange needs to finish it (the buffered path).
    struct Answer {
        let response: HTTPClientResponse
        let lease: UpstreamPool.Lease
        let upstreamNanos: UInt64
    }

    /// What the edge makes of a request head; both paths start here.
    struct Intake {
        var exchange: EdgeExchange
        let target: String
        let head: HTTPRequest
        let clientAddress: String?
        /// The request headers for the upstream (`ForwardedHeaders.upstreamRequest`), made only when a
        /// request goes upstream: a cache hit answered on the event loop never needs them.
        var forwarded: [(String, String)] {
            ForwardedHeaders.upstreamRequest(
                EdgeProxy.pairs(head.headerFields), host: head.authority, clientAddress: clientAddress, traceparent: exchange.trace.outgoing)
        }
        let hasBody: Bool
        /// A body without `Content-Length` (sent on with `Transfer-Encoding: chunked`).
        let chunked: Bool
        /// The `Upgrade` the client asks for (WebSocket): passed to the upstream, tunnelled after its 101.
        let upgrade: String?
        /// The client said `Connection: close`: the answer says so too, and the connection closes after it.
        let closeAfter: Bool
        let route: Route
        let started: UInt64
    }

    /// Which path a request takes: the edge's own answer, the buffered path (cache, compression), or
    /// streamed pass-through on the event loop (`PassThroughHandler`).
    enum Route {
        case refuse(ProxyFailure)
        case buffered(BufferedSteps.Applied)
        case stream
    }

    func intake(_ head: HTTPRequest, clientAddress: String?, random: inout some RandomNumberGenerator) -> Intake {
        let started = DispatchTime.now().uptimeNanoseconds
        let target = head.path ?? "/"
        let choice = routeChoice(method: head.method.rawValue, target: target)
        let (pattern, path, rule, effective) = (choice.pattern, choice.path, choice.rule, choice.policy)
        let fields = head.headerFields
        let exchange = Self.exchange(
            method: head.method.rawValue, target: target, route: choice.name, traceparent: fields[.traceparent],
            authorized: fields[.authorization] != nil, cookie: fields[.cookie] != nil, random: &random)
        let length = fields[.contentLength].flatMap { Int64($0) }
        let chunked = fields[.transferEncoding] != nil
        let hasBody = chunked || (length ?? 0) > 0
        let upgrade = fields[.upgrade]
        let route: Route
        do throws(ProxyFailure) {
            try checkLimits(head)
            if upgrade != nil && hasBody { throw ProxyFailure.upgradeWithBody }
            let imageRule = effective.imageRule(forRoute: pattern, path: path, method: head.method.rawValue)
            if let imageRule, case .refused(let reason) = imageRule.width(forTarget: target) { throw ProxyFailure(status: 400, message: reason) }
            route = hasBody || upgrade != nil
                ? .stream : bufferedSteps(rule: rule, imageRule: imageRule, policy: effective).map { .buffered($0) } ?? .stream
        } catch {
            route = .refuse(error)
        }
        return Intake(
            exchange: exchange, target: target, head: head, clientAddress: clientAddress, hasBody: hasBody, chunked: chunked && length == nil, upgrade: upgrade,
            closeAfter: fields[.connection].map { $0.lowercased().contains("close") } ?? false, route: route, started: started)
    }

    /// The route a request belongs to and the policy's rules for it: what both paths decide from.
    struct RouteChoice {
        let path: String
        let pattern: String
        let rule: RouteRule?
        let policy: EdgePolicy
        /// The route's name in telemetry: the rule's `match`, else the normalized pattern.
        var name: String { rule?.match ?? pattern }
    }

    func routeChoice(method: String, target: String) -> RouteChoice {
        let path = String(target.prefix { $0 != "?" })
        let pattern = RouteNormalizer.pattern(forPath: path)
        let effective = policy.effective
        return RouteChoice(path: path, pattern: pattern, rule: effective.rule(forRoute: pattern, path: path, method: method), policy: effective)
    }

    /// What the byte-level fast path may do with a bodiless GET or HEAD on this route: relay it
    /// (no cache, compression or image rule applies: `intake`'s `.stream`), look for a fresh cache
    /// hit (its `.buffered` steps), or leave it to the full path (an image rule: its refusals and
    /// variants are the full path's).
    enum FastRoute {
        case stream
        case cached(BufferedSteps.Applied)
        case fullPath
    }

    func fastRoute(_ choice: RouteChoice, method: String) -> FastRoute {
        if choice.policy.imageRule(forRoute: choice.pattern, path: choice.path, method: method) != nil { return .fullPath }
        guard let steps = bufferedSteps(rule: choice.rule, imageRule: nil, policy: choice.policy) else { return .stream }
        return steps.hit != nil && steps.cache != nil ? .cached(steps) : .fullPath
    }

    /// A new exchange's record, as both paths start it.
    static func exchange(
        method: String, target: String, route: String, traceparent: String?, authorized: Bool, cookie: Bool, random: inout some RandomNumberGenerator
    ) -> EdgeExchange {
        var exchange = EdgeExchange(
            method: method, target: target, route: route, startUnixNanos: UInt64(Date().timeIntervalSince1970 * 1_000_000_000),
            trace: TraceContext(incoming: traceparent, random: &random))
        exchange.authorized = authorized
        exchange.cookie = cookie
        return exchange
    }

    /// HummingbirdCore's responder: the requests `PassThroughHandler` hands on — refused ones and
    /// the buffered path.
    public func respond(_ request: Request, writer: consuming ResponseWriter, channel: any Channel) async throws {
        var random = SystemRandomNumberGenerator()
        var intake = intake(request.head, clientAddress: channel.remoteAddress?.ipAddress, random: &random)
        defer { finish(&intake.exchange, started: intake.started) }
        enum Outcome {
            case buffered(BufferedRelay)
            case oversized(OversizedAnswer)
            case failed(ProxyFailure)
        }
        let outcome: Outcome
        switch intake.route {
        case .refuse(let refusal):
            outcome = .failed(refusal)
        case .stream:
            outcome = .failed(ProxyFailure(status: 500, message: "internal error: a streamed request reached the buffered path"))
        case .buffered(let steps):
            do {
                outcome = .buffered(try await relayBuffered(request.head, steps: steps, forwarded: intake.forwarded))
            } catch let oversized as OversizedAnswer where oversized.claim() {
                outcome = .oversized(oversized)
            } catch is OversizedAnswer {
                // Another request of a coalesced miss streams that one: this one asks for itself, uncached.
                do {
                    let (response, fetched) = try await fetchWhole(method: request.method.rawValue, target: intake.target, headers: intake.forwarded)
                    outcome = .buffered(BufferedRelay(response: response, cache: "NONE", fetched: fetched))
                } catch let oversized as OversizedAnswer {
                    outcome = .oversized(oversized)
                } catch let failure as ProxyFailure {
                    outcome = .failed(failure)
                } catch {
                    outcome = .failed(ProxyFailure(status: 502, message: "the edge failed to relay the request: \(error)"))
                }
            } catch let failure as ProxyFailure {
                outcome = .failed(failure)
            } catch {
                outcome = .failed(ProxyFailure(status: 502, message: "the edge failed to relay the request: \(error)"))
            }
        }
        switch outcome {
        case .buffered(let relay):
            try await writeBuffered(
                relay, request: request, exchange: &intake.exchange, started: intake.started, closeAfter: intake.closeAfter, writer: writer)
        case .oversized(let oversized):
            let cached: Bool
            if case .buffered(let steps) = intake.route { cached = steps.cache != nil } else { cached = false }
            try await writeOversized(oversized, cached: cached, exchange: &intake.exchange, started: intake.started, writer: writer)
        case .failed(let failure):
            record(failure, into: &intake.exchange)
            try await answer(failure, request: request, writer: writer, channel: channel)
        }
    }

    /// The exchange is over: its duration, and its span to the sink. A sampled image is transcoded
    /// first, off the request path (tens of milliseconds of CPU), and the span follows it.
    func finish(_ exchange: inout EdgeExchange, started: UInt64) {
        exchange.durationNanos = Self.nanosSince(started)
        guard let sample = exchange.imageSample, let measure = steps.imageSample, let sink else {
            sink?.record(exchange)
            return
        }
        exchange.imageSample = nil
        let measured = exchange
        Task.detached {
            var exchange = measured
            exchange.avifBytes = await measure(sample)
            sink.record(exchange)
        }
    }

    static func nanosSince(_ started: UInt64) -> UInt64 { DispatchTime.now().uptimeNanoseconds - started }

    func record(_ failure: ProxyFailure, into exchange: inout EdgeExchange) {
        exchange.status = failure.status
        exchange.failed = true
        exchange.bytesOut = failure.message.utf8.count + 1
    }

    // MARK: limits

    func checkLimits(_ head: HTTPRequest) throws(ProxyFailure) {
        let limits = configuration.limits
        let headBytes = ForwardedHeaders.headBytes(
            method: head.method.rawValue, target: head.path ?? "/", fields: head.headerFields, authority: head.authority)
        if headBytes > limits.headerBytes { throw ProxyFailure.headersTooLarge(headBytes, limit: limits.headerBytes) }
        if let length = head.headerFields[.contentLength].flatMap({ Int($0) }), length > limits.bodyBytes {
            throw ProxyFailure.bodyTooLarge(limit: limits.bodyBytes)
        }
    }

    // MARK: the upstream exchange

    /// Sends a bodiless request to an upstream (the buffered path); on a connection failure it is
    /// sent to the next instance (nothing of it reached the first one).
    func forward(method: String, target: String, headers: [(String, String)]) async throws(ProxyFailure) -> Answer {
        var tried: Set<Int> = []
        var lastFailure = ProxyFailure.noUpstream
        while let lease = pool.acquire(excluding: tried) {
            tried.insert(lease.index)
            var outgoing = HTTPClientRequest(url: lease.url + target)
            outgoing.method = NIOHTTP1.HTTPMethod(rawValue: method)
            for (name, value) in headers { outgoing.headers.add(name: name, value: value) }
            let sentAt = DispatchTime.now().uptimeNanoseconds
            do {
                let response = try await client.execute(
                    outgoing, deadline: .now() + .milliseconds(configuration.timeouts.firstByte.wholeMilliseconds), logger: logger)
                return Answer(response: response, lease: lease, upstreamNanos: DispatchTime.now().uptimeNanoseconds - sentAt)
            } catch {
                let kind = OutboundHTTPError.kind(of: error)
                pool.release(lease, latencyMs: nil, failure: true)
                switch kind {
                case .connect:
                    lastFailure = .unreachable(lease.url, "\(error)")
                    logger.debug("retrying on another upstream", metadata: ["upstream": "\(lease.url)", "error": "\(error)"])
                case .timeout:
                    throw ProxyFailure.firstByteTimeout(lease.url, configuration.timeouts.firstByte)
                default:
                    throw ProxyFailure.malformed(lease.url, "\(error)")
                }
            }
        }
        throw lastFailure
    }

    // MARK: answers

    /// Answers with the edge's own plain-text message. A refused request's body is not read: the
    /// answer says `Connection: close`, then what the client still sends is discarded for a
    /// moment (so it reads the answer instead of a reset) and the connection closed.
    func answer(_ failure: ProxyFailure, request: Request, writer: consuming ResponseWriter, channel: any Channel) async throws {
        let (head, body) = failure.response
        try await writer.write(response: head, body: .init(byteBuffer: body))
        guard failure.close else { return }
        if !failure.bodyStarted { await Self.discard(request.body, for: .seconds(2)) }
        channel.close(promise: nil)
    }

    /// Reads and drops `body` until it ends or `duration` passes.
    static func discard(_ body: RequestBody, for duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { do { for try await _ in body {} } catch {} }
            group.addTask { try? await Task.sleep(for: duration) }
            await group.next()
            group.cancelAll()
        }
    }

    // MARK: headers

    static func downstreamHeaders(_ upstream: HTTPHeaders, edgeNanos: UInt64, upstreamNanos: UInt64) -> HTTPFields {
        var drop = ForwardedHeaders.hopByHop
        for value in upstream[canonicalForm: "connection"] { drop.insert(value.lowercased()) }
        var fields = HTTPFields()
        for (name, value) in upstream where !drop.contains(name.lowercased()) {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        fields.append(HTTPField(name: .serverTiming, value: serverTiming(edgeNanos: edgeNanos, upstreamNanos: upstreamNanos)))
        return fields
    }

    /// The same from lowercased pairs (a buffered or cached response), with `replacing` set in place of
    /// the fields of those names.
    static func downstreamFields(
        _ headers: [(name: String, value: String)], replacing: [(name: String, value: String)], edgeNanos: UInt64, upstreamNanos: UInt64
    ) -> HTTPFields {
        var drop = ForwardedHeaders.dropped(in: headers)
        for field in replacing { drop.insert(field.name) }
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count + replacing.count + 1)
        for (name, value) in headers where !drop.contains(name) {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        for (name, value) in replacing {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        fields.append(HTTPField(name: .serverTiming, value: serverTiming(edgeNanos: edgeNanos, upstreamNanos: upstreamNanos)))
        return fields
    }

    static func serverTiming(edgeNanos: UInt64, upstreamNanos: UInt64) -> String {
        "edge;dur=\(milliseconds(edgeNanos)), upstream;dur=\(milliseconds(upstreamNanos))"
    }

    /// The largest body sampled for `perfwatch.edge.brotli_bytes`.
    static let brotliSampleMaxBytes = 1 << 20

    /// One in ten uncompressed responses of a compressible type (the default compression types) is
    /// compressed once on the side, to report what brotli would save (the `edge_compression` estimate).
    func wantsBrotliSample(_ contentType: String) -> Bool {
        guard Self.compressible.covers(contentType: contentType) else { return false }
        return sampled.wrappingAdd(1, ordering: .relaxed).oldValue % 10 == 0
    }

    func brotliSample(_ body: [UInt8], contentType: String?) -> Int? {
        guard !body.isEmpty, body.count <= Self.brotliSampleMaxBytes, wantsBrotliSample(ResponseFacts.contentType(contentType)) else { return nil }
        return ResponseCompression.brotliSize(of: body)
    }

    static let compressible = CompressionRule()

    /// The largest image sampled for `perfwatch.edge.avif_bytes`.
    static let imageSampleMaxBytes = 4 << 20
    static let sampledImageTypes: Set = ["image/jpeg", "image/png"]

    /// One in five JPEG or PNG responses the edge sends as they came (no image rule transformed them) is
    /// transcoded to AVIF once on the side, to report what it would save (the `edge_images` estimate).
    func wantsImageSample(_ contentType: String) -> Bool {
        guard steps.imageSample != nil, Self.sampledImageTypes.contains(contentType) else { return false }
        return imageSampled.wrappingAdd(1, ordering: .relaxed).oldValue % 5 == 0
    }

    static func pairs(_ fields: HTTPFields) -> [(name: String, value: String)] {
        fields.map { (name: $0.name.canonicalName, value: $0.value) }
    }

    /// What telemetry keeps of a buffered response's headers (lowercased pairs).
    func record(facts headers: [(name: String, value: String)], into exchange: inout EdgeExchange) {
        Self.record(
            contentType: EdgeHeaders.value(of: "content-type", in: headers), contentEncoding: EdgeHeaders.value(of: "content-encoding", in: headers),
            cacheControl: headers.filter { $0.name == "cache-control" }.map(\.value), setCookie: headers.contains { $0.name == "set-cookie" },
            into: &exchange)
    }

    /// The same from an upstream's response head (the pass-through path).
    func record(_ headers: HTTPHeaders, into exchange: inout EdgeExchange) {
        Self.record(
            contentType: headers.first(name: "content-type"), contentEncoding: headers.first(name: "content-encoding"),
            cacheControl: headers[canonicalForm: "cache-control"].map(String.init), setCookie: headers.contains(name: "set-cookie"),
            into: &exchange)
    }

    static func record(
        contentType: String?, contentEncoding: String?, cacheControl: [String], setCookie: Bool, into exchange: inout EdgeExchange
    ) {
        exchange.contentType = ResponseFacts.contentType(contentType)
        exchange.contentEncoding = contentEncoding?.lowercased() ?? "identity"
        exchange.cacheControl = ResponseFacts.cacheControl(cacheControl)
        exchange.setCookie = setCookie
    }

    /// Milliseconds with two decimals ("3.07"), without `String(format:)` (Foundation's formatter
    /// showed in the pass-through profile).
    static func milliseconds(_ nanos: UInt64) -> String {
        let hundredths = (nanos + 5_000) / 10_000
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
    static let serverTiming = HTTPField.Name("Server-Timing")!
}
