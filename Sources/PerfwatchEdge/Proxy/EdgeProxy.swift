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

    enum Relay {
        case streamed(Answer)
        case buffered(BufferedRelay)
    }

    /// The upstream's answer up to its head, with what the exchange needs to finish it.
    struct Answer {
        let response: HTTPClientResponse
        let lease: UpstreamPool.Lease
        let upstreamNanos: UInt64
    }

    /// HummingbirdCore's responder signature.
    public func respond(_ request: Request, writer: consuming ResponseWriter, channel: any Channel) async throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let target = request.head.path ?? "/"
        let path = String(target.prefix { $0 != "?" })
        let pattern = RouteNormalizer.pattern(forPath: path)
        let effective = policy.effective
        let rule = effective.rule(forRoute: pattern, path: path, method: request.method.rawValue)
        var exchange = EdgeExchange(
            method: request.method.rawValue, target: target, route: rule?.match ?? pattern,
            startUnixNanos: UInt64(Date().timeIntervalSince1970 * 1_000_000_000),
            trace: TraceContext(incoming: request.headers[.traceparent]))
        exchange.authorized = request.headers[.authorization] != nil
        exchange.cookie = request.headers[.cookie] != nil
        defer {
            exchange.durationNanos = DispatchTime.now().uptimeNanoseconds - started
            sink?.record(exchange)
        }

        let forwarded = ForwardedHeaders.upstreamRequest(
            Self.pairs(request.headers), host: request.head.authority, clientAddress: channel.remoteAddress?.ipAddress,
            traceparent: exchange.trace.outgoing)
        let length = request.headers[.contentLength].flatMap { Int64($0) }
        let hasBody = request.headers[.transferEncoding] != nil || (length ?? 0) > 0
        let buffered = hasBody ? nil : bufferedSteps(rule: rule, policy: effective)

        let outcome: Result<Relay, ProxyFailure>
        do {
            try checkLimits(request)
            if let buffered {
                outcome = .success(.buffered(try await relayBuffered(request, steps: buffered, forwarded: forwarded)))
            } else {
                outcome = .success(
                    .streamed(
                        try await forward(
                            method: request.method.rawValue, target: target, headers: forwarded, body: hasBody ? request.body : nil,
                            length: length)))
            }
        } catch let failure as ProxyFailure {
            outcome = .failure(failure)
        } catch {
            outcome = .failure(ProxyFailure(status: 502, message: "the edge failed to relay the request: \(error)"))
        }

        switch outcome {
        case .failure(let failure):
            exchange.status = failure.status
            exchange.failed = true
            exchange.bytesOut = failure.message.utf8.count + 1
            try await answer(failure, request: request, writer: writer, channel: channel)
        case .success(.buffered(let relay)):
            try await writeBuffered(relay, request: request, exchange: &exchange, started: started, writer: writer)
        case .success(.streamed(let answer)):
            let status = Int(answer.response.status.code)
            exchange.status = status
            exchange.upstream = answer.lease.url
            record(answer.response.headers, into: &exchange)
            let edgeNanos = DispatchTime.now().uptimeNanoseconds - started - answer.upstreamNanos
            let head = HTTPResponse(
                status: .init(code: status, reasonPhrase: answer.response.status.reasonPhrase),
                headerFields: Self.downstreamHeaders(answer.response.headers, edgeNanos: edgeNanos, upstreamNanos: answer.upstreamNanos))
            do {
                var body = try await writer.writeHead(head)
                var hash = sink == nil ? nil : BodyHash()
                var sample: [UInt8]? = hash != nil && exchange.contentEncoding == "identity" && wantsBrotliSample(exchange.contentType) ? [] : nil
                for try await chunk in answer.response.body {
                    exchange.bytesUpstream += chunk.readableBytes
                    exchange.bytesOut += chunk.readableBytes
                    hash?.add(chunk.readableBytesView)
                    if sample != nil {
                        if (sample?.count ?? 0) + chunk.readableBytes <= Self.brotliSampleMaxBytes { sample? += chunk.readableBytesView } else { sample = nil }
                    }
                    try await body.write(chunk)
                }
                try await body.finish(nil)
                if let hash { exchange.repeatKind = repeats.classify(method: exchange.method, target: target, hash: hash.value) }
                if let sample, !sample.isEmpty { exchange.brotliBytes = ResponseCompression.brotliSize(of: sample) }
                pool.release(answer.lease, latencyMs: Double(answer.upstreamNanos) / 1e6, failure: status >= 500)
            } catch {
                // Headers are out: the only honest signal left is to abort the connection.
                pool.release(answer.lease, latencyMs: Double(answer.upstreamNanos) / 1e6, failure: true)
                exchange.failed = true
                logger.warning(
                    "upstream body failed mid-response; aborting the downstream connection",
                    metadata: ["upstream": "\(answer.lease.url)", "path": "\(exchange.path)", "error": "\(error)"])
                channel.close(promise: nil)
                throw error
            }
        }
    }

    // MARK: limits

    func checkLimits(_ request: Request) throws(ProxyFailure) {
        let limits = configuration.limits
        let headBytes = ForwardedHeaders.headBytes(
            method: request.method.rawValue, target: request.head.path ?? "/", fields: request.headers, authority: request.head.authority)
        if headBytes > limits.headerBytes { throw ProxyFailure.headersTooLarge(headBytes, limit: limits.headerBytes) }
        if request.headers[.upgrade] != nil { throw ProxyFailure.upgrade }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limits.bodyBytes {
            throw ProxyFailure.bodyTooLarge(limit: limits.bodyBytes)
        }
    }

    // MARK: the upstream exchange

    /// Sends the request to an upstream; on a connection failure, a request without a body is
    /// sent to the next instance (nothing of it reached the first one).
    /// `body` is the downstream body to stream (nil: none), with its `Content-Length` when known.
    func forward(
        method: String, target: String, headers: [(String, String)], body: RequestBody?, length: Int64?
    ) async throws(ProxyFailure) -> Answer {
        let hasBody = body != nil
        var tried: Set<Int> = []
        var lastFailure = ProxyFailure.noUpstream
        while let lease = pool.acquire(excluding: tried) {
            tried.insert(lease.index)
            var outgoing = HTTPClientRequest(url: lease.url + target)
            outgoing.method = NIOHTTP1.HTTPMethod(rawValue: method)
            for (name, value) in headers { outgoing.headers.add(name: name, value: value) }
            if let body {
                outgoing.body = .stream(
                    LimitedBody(body: body, limit: configuration.limits.bodyBytes),
                    length: length.map { .known($0) } ?? .unknown)
            }
            let sentAt = DispatchTime.now().uptimeNanoseconds
            do {
                let response = try await client.execute(
                    outgoing, deadline: .now() + .milliseconds(configuration.timeouts.firstByte.wholeMilliseconds), logger: logger)
                return Answer(response: response, lease: lease, upstreamNanos: DispatchTime.now().uptimeNanoseconds - sentAt)
            } catch is RequestBodyTooLarge {
                pool.release(lease, latencyMs: nil, failure: false)
                throw ProxyFailure.bodyTooLarge(limit: configuration.limits.bodyBytes, bodyStarted: true)
            } catch {
                let kind = OutboundHTTPError.kind(of: error)
                pool.release(lease, latencyMs: nil, failure: true)
                switch kind {
                case .connect:
                    lastFailure = .unreachable(lease.url, "\(error)")
                    if hasBody { throw lastFailure }
                    logger.debug("retrying on another upstream", metadata: ["upstream": "\(lease.url)", "error": "\(error)"])
                case .timeout:
                    throw ProxyFailure.timeout(lease.url, "no response head within \(DurationText.format(milliseconds: configuration.timeouts.firstByte.wholeMilliseconds)) (timeouts.first_byte)")
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
        let body = ByteBuffer(string: "perfwatch edge: \(failure.message)\n")
        var fields = HTTPFields()
        fields[.contentType] = "text/plain; charset=utf-8"
        fields[.contentLength] = String(body.readableBytes)
        if failure.close { fields[.connection] = "close" }
        try await writer.write(response: HTTPResponse(status: .init(code: failure.status), headerFields: fields), body: .init(byteBuffer: body))
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
        let timing = "edge;dur=\(milliseconds(edgeNanos)), upstream;dur=\(milliseconds(upstreamNanos))"
        fields.append(HTTPField(name: HTTPField.Name("Server-Timing")!, value: timing))
        return fields
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

    static func pairs(_ fields: HTTPFields) -> [(name: String, value: String)] {
        fields.map { (name: $0.name.canonicalName, value: $0.value) }
    }

    func record(_ headers: HTTPHeaders, into exchange: inout EdgeExchange) {
        exchange.contentType = ResponseFacts.contentType(headers.first(name: "content-type"))
        exchange.contentEncoding = headers.first(name: "content-encoding")?.lowercased() ?? "identity"
        exchange.cacheControl = ResponseFacts.cacheControl(headers[canonicalForm: "cache-control"].map(String.init))
        exchange.setCookie = headers.contains(name: "set-cookie")
    }

    static func milliseconds(_ nanos: UInt64) -> String { String(format: "%.2f", Double(nanos) / 1e6) }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
}
