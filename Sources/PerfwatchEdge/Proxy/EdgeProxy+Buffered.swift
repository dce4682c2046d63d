import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTP1
import PerfwatchEdgePolicy
import PerfwatchImages
import Synchronization

/// The buffered path: a bodiless request whose route has a cache rule or an image rule, or when
/// compression is on. The upstream's answer is read whole (up to `limits.buffer_max_bytes`),
/// transformed (images, then compression), and goes through the cache, which may answer without any
/// upstream request.
extension EdgeProxy {
    struct BufferedRelay: Sendable {
        var response: EdgeResponse
        /// `HIT|MISS|…`, or `NONE` without a cache rule.
        var cache: String
        /// The upstream fetch made for this request, if any (none on a hit).
        var fetched: Fetched?
        /// An image rule applied (the answer is a variant, or an original it chose to keep): not sampled.
        var transformed = false
    }

    /// An upstream answer over `limits.buffer_max_bytes` on the buffered path, thrown out of the
    /// fetch (and through the cache, which stores nothing for it) to be streamed instead.
    /// Coalesced misses share one thrown value: the first to `claim` it streams it, the others fetch their own.
    final class OversizedAnswer: Error, @unchecked Sendable {
        let answer: Answer
        let prefix: [UInt8]
        var rest: HTTPClientResponse.Body.AsyncIterator
        private let claimed = Atomic<Bool>(false)

        init(answer: Answer, prefix: [UInt8], rest: HTTPClientResponse.Body.AsyncIterator) {
            self.answer = answer
            self.prefix = prefix
            self.rest = rest
        }

        func claim() -> Bool { !claimed.exchange(true, ordering: .relaxed) }
    }

    struct Fetched: Sendable {
        var upstream: String
        var bytes: Int
        var upstreamNanos: UInt64
    }

    /// The steps for a request; nil when none applies (it streams). An image rule brings the cache
    /// along: variants are made once and served from it (with the image rule's `ttl` when the route has no
    /// cache rule and the upstream gives no freshness).
    func bufferedSteps(rule: RouteRule?, imageRule: ImageRule?, policy: EdgePolicy) -> BufferedSteps.Applied? {
        var applied = BufferedSteps.Applied()
        if let imageRule, let step = steps.images { applied.images = (imageRule, step) }
        if let step = steps.cache, let cacheRule = rule?.cache ?? applied.images.map({ CacheRule(ttlMs: $0.rule.ttlMs) }) {
            applied.cache = (cacheRule, step)
            applied.hit = steps.hit
        }
        if let rule = policy.compression, let step = steps.compress { applied.compress = (rule, step) }
        return applied.cache == nil && applied.compress == nil && applied.images == nil ? nil : applied
    }

    /// The request as the cache and the transforms see it: client headers without hop-by-hop ones;
    /// with compression on, `Accept-Encoding` narrowed to the coding this edge will use, and on an image
    /// route `Accept` narrowed to the format it will send (the cache keys variants by them,
    /// docs/edge.md#caching). The upstream still gets the client's own headers.
    func edgeRequest(_ head: HTTPRequest, steps: BufferedSteps.Applied) -> EdgeRequest {
        let clientHeaders = Self.pairs(head.headerFields).filter { !ForwardedHeaders.hopByHop.contains($0.name) }
        var edgeRequest = EdgeRequest(method: head.method.rawValue, target: head.path ?? "/", headers: clientHeaders)
        if let compress = steps.compress {
            let coding = AcceptEncoding.choose(edgeRequest.header("accept-encoding"), offered: compress.rule.algorithms)
            edgeRequest.setHeader("accept-encoding", coding ?? "identity")
        }
        if let images = steps.images {
            edgeRequest.setHeader("accept", ImageAccept.choose(edgeRequest.header("accept"), offered: images.rule.formats)?.mediaType ?? "original")
        }
        return edgeRequest
    }

    /// A fresh cache hit for `head`, ready to write; nil when the full buffered path must run.
    func cachedAnswer(_ head: HTTPRequest, steps: BufferedSteps.Applied) -> BufferedRelay? {
        guard let hit = steps.hit, let rule = steps.cache?.rule, let response = hit(edgeRequest(head, steps: steps), rule) else { return nil }
        return BufferedRelay(response: response, cache: ResponseCache.Outcome.hit.rawValue, fetched: nil)
    }

    func relayBuffered(_ head: HTTPRequest, steps: BufferedSteps.Applied, forwarded: [(String, String)]) async throws -> BufferedRelay {
        let edgeRequest = edgeRequest(head, steps: steps)
        let fetched = Mutex<Fetched?>(nil)
        // The cache may add conditional headers: the client's are replaced by the fetch request's.
        let added = Set(["if-none-match", "if-modified-since", "accept-encoding"])
        let base = forwarded.filter { !added.contains($0.0.lowercased()) }
        let fetch: BufferedSteps.Fetch = { request in
            let conditional = request.headers.filter { added.contains($0.name) }.map { ($0.name, $0.value) }
            var (response, record) = try await self.fetchWhole(method: request.method, target: request.target, headers: base + conditional)
            if let images = steps.images { response = await images.step(response, request, images.rule) }
            if let compress = steps.compress { response = compress.step(response, request, compress.rule) }
            fetched.withLock { $0 = record }
            return response
        }
        if let cache = steps.cache {
            let (response, outcome) = try await cache.step(edgeRequest, cache.rule, fetch)
            return BufferedRelay(response: response, cache: outcome, fetched: fetched.withLock { $0 }, transformed: steps.images != nil)
        }
        let response = try await fetch(edgeRequest)
        return BufferedRelay(response: response, cache: "NONE", fetched: fetched.withLock { $0 }, transformed: steps.images != nil)
    }

    /// One upstream request read whole. Past `limits.buffer_max_bytes` it throws `OversizedAnswer`
    /// with what it read and the rest still to come: that answer is streamed to the client,
    /// neither stored nor compressed (a large download on a compressed route must not fail).
    func fetchWhole(method: String, target: String, headers: [(String, String)]) async throws -> (EdgeResponse, Fetched) {
        let answer = try await forward(method: method, target: target, headers: headers)
        let limit = configuration.limits.bufferMaxBytes
        var body: [UInt8] = []
        let latencyMs = Double(answer.upstreamNanos) / 1e6
        var iterator = answer.response.body.makeAsyncIterator()
        do {
            while let chunk = try await iterator.next() {
                body += chunk.readableBytesView
                if body.count > limit { throw OversizedAnswer(answer: answer, prefix: body, rest: iterator) }
            }
        } catch let oversized as OversizedAnswer {
            throw oversized
        } catch {
            pool.release(answer.lease, latencyMs: latencyMs, failure: true)
            throw ProxyFailure.malformed(answer.lease.url, "\(error)")
        }
        let status = Int(answer.response.status.code)
        pool.release(answer.lease, latencyMs: latencyMs, failure: status >= 500)
        var drop = ForwardedHeaders.hopByHop
        for value in answer.response.headers[canonicalForm: "connection"] { drop.insert(value.lowercased()) }
        let headers = answer.response.headers.filter { !drop.contains($0.name.lowercased()) }.map { (name: $0.name, value: $0.value) }
        return (
            EdgeResponse(status: status, headers: headers, body: body),
            Fetched(upstream: answer.lease.url, bytes: body.count, upstreamNanos: answer.upstreamNanos)
        )
    }

    /// Streams an `OversizedAnswer`: what was read, then the rest as it comes; the lease ends with it.
    func writeOversized(
        _ oversized: OversizedAnswer, cached: Bool, exchange: inout EdgeExchange, started: UInt64, writer: consuming ResponseWriter
    ) async throws {
        let answer = oversized.answer
        let status = Int(answer.response.status.code)
        exchange.status = status
        exchange.upstream = answer.lease.url
        exchange.cache = cached ? ResponseCache.Outcome.miss.rawValue : "NONE"
        record(answer.response.headers, into: &exchange)
        var fields = Self.downstreamHeaders(
            answer.response.headers, edgeNanos: Self.nanosSince(started) - answer.upstreamNanos, upstreamNanos: answer.upstreamNanos)
        if cached { fields[HTTPField.Name("X-Cache")!] = ResponseCache.Outcome.miss.rawValue }
        let latencyMs = Double(answer.upstreamNanos) / 1e6
        do {
            var body = try await writer.writeHead(HTTPResponse(status: .init(code: status), headerFields: fields))
            try await body.write(ByteBuffer(bytes: oversized.prefix))
            exchange.bytesOut = oversized.prefix.count
            while let chunk = try await oversized.rest.next() {
                exchange.bytesOut += chunk.readableBytes
                try await body.write(chunk)
            }
            try await body.finish(nil)
            exchange.bytesUpstream = exchange.bytesOut
            pool.release(answer.lease, latencyMs: latencyMs, failure: status >= 500)
        } catch {
            pool.release(answer.lease, latencyMs: latencyMs, failure: true)
            exchange.failed = true
            throw error
        }
    }

    func writeBuffered(
        _ relay: BufferedRelay, request: Request, exchange: inout EdgeExchange, started: UInt64, closeAfter: Bool,
        writer: consuming ResponseWriter
    ) async throws {
        var (head, body) = bufferedResponse(relay, method: request.method, exchange: &exchange, started: started)
        // HummingbirdCore closes after a request that said `Connection: close`; the answer says so too, as the other path's do.
        if closeAfter { head.headerFields[.connection] = "close" }
        try await writer.write(response: head, body: .init(byteBuffer: body))
    }

    /// The buffered answer as it is written downstream (`X-Cache`, `Content-Length`, `Server-Timing`),
    /// with what the exchange records of it.
    /// `sampleBrotli`: false on the event loop, where compressing a sample would hold every connection of the loop.
    func bufferedResponse(
        _ relay: BufferedRelay, method: HTTPRequest.Method, exchange: inout EdgeExchange, started: UInt64, sampleBrotli: Bool = true
    ) -> (HTTPResponse, ByteBuffer) {
        let response = relay.response
        exchange.status = response.status
        exchange.cache = relay.cache
        exchange.upstream = relay.fetched?.upstream ?? ""
        exchange.bytesUpstream = relay.fetched?.bytes ?? 0
        exchange.bytesOut = method == .head ? 0 : response.body.count
        let saved = relay.fetched.map { $0.bytes - exchange.bytesOut } ?? exchange.bytesOut
        if saved > 0 { bytesSaved.add(saved, ordering: .relaxed) }
        if sink != nil {
            var hash = BodyHash()
            hash.add(response.body)
            exchange.repeatKind = repeats.classify(method: exchange.method, target: exchange.target, hash: hash.value)
            if sampleBrotli, response.header("content-encoding") == nil {
                let type = ResponseFacts.contentType(response.header("content-type"))
                if relay.fetched != nil, !relay.transformed, response.body.count <= Self.imageSampleMaxBytes, wantsImageSample(type) {
                    exchange.imageSample = response.body
                } else {
                    exchange.brotliBytes = brotliSample(response.body, contentType: response.header("content-type"))
                }
            }
        }
        if sink != nil { record(facts: response.headers, into: &exchange) }
        var replaced: [(name: String, value: String)] = []
        if method != .head { replaced.append((name: "content-length", value: String(response.body.count))) }
        if relay.cache != "NONE" { replaced.append((name: "x-cache", value: relay.cache)) }
        let upstreamNanos = relay.fetched?.upstreamNanos ?? 0
        let edgeNanos = Self.nanosSince(started) - upstreamNanos
        // Straight from the stored pairs to HTTPTypes' fields: a cache hit no longer goes through NIO's
        // HTTPHeaders first (a copy and a second lowercasing of every name, 6% of a hit's CPU in a profile).
        let head = HTTPResponse(
            status: .init(code: response.status),
            headerFields: Self.downstreamFields(response.headers, replacing: replaced, edgeNanos: edgeNanos, upstreamNanos: upstreamNanos))
        // An answer to HEAD has the GET's headers and no body (NIO's encoder refuses body parts for it).
        return (head, method == .head ? ByteBuffer() : ByteBuffer(bytes: response.body))
    }
}
