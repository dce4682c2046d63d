import PerfwatchEdge
import PerfwatchModel
import PerfwatchEdgePolicy
import Synchronization
import Testing

/// The buffered path's seam, with stand-ins for the cache and compression steps: which requests
/// take it, what reaches the upstream, and what the client and the telemetry see.
@Suite("edge proxy: buffered path (cache and compression steps)")
struct ProxyBufferedTests {
    /// Remembers one response per target: MISS the first time, HIT after.
    static func memoCache() -> BufferedSteps.Cache {
        let memo = Mutex<[String: EdgeResponse]>([:])
        return { request, _, fetch in
            if let stored = memo.withLock({ $0[request.target] }) { return (stored, "HIT") }
            let response = try await fetch(request)
            memo.withLock { $0[request.target] = response }
            return (response, "MISS")
        }
    }

    /// Upper-cases text bodies and marks them, like a compressor would re-encode them.
    static let upperCase: BufferedSteps.Compress = { response, _, rule in
        guard rule.covers(contentType: response.header("content-type") ?? "") else { return response }
        var changed = response
        changed.body = Array(String(decoding: response.body, as: UTF8.self).uppercased().utf8)
        changed.setHeader("content-encoding", "x-upper")
        return changed
    }

    @Test("a route with a cache rule goes through the cache step: MISS then HIT without an upstream request; X-Cache and telemetry say so")
    func cachedRoute() async throws {
        let upstream = try await ScriptedUpstream.start { request in
            .respond(status: 200, headers: [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
                     body: Array("5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n".utf8))
        }
        let sink = CollectingSink()
        let edge = try await RunningEdge.start(upstreams: [upstream.url], sink: sink, steps: BufferedSteps(cache: Self.memoCache())) {
            $0.localPolicy.routes = [RouteRule(match: "/courses/:id", cache: CacheRule(ttlMs: 60_000))]
        }
        defer { Task { await edge.stop(); await upstream.stop() } }
        let first = try await TestClient.send(edge.url + "/courses/1")
        let second = try await TestClient.send(edge.url + "/courses/1")
        let other = try await TestClient.send(edge.url + "/other")
        #expect(first.text == "{\"a\":1}" && second.text == "{\"a\":1}")
        #expect(first.headers.first(name: "x-cache") == "MISS" && second.headers.first(name: "x-cache") == "HIT")
        #expect(first.headers.first(name: "content-length") == "7")
        #expect(other.headers.first(name: "x-cache") == nil)
        #expect(upstream.requests.map(\.uri) == ["/courses/1", "/other"])
        #expect(upstream.requests.first?.header("x-forwarded-proto") == "http")
        let exchanges = await sink.waitFor(3)
        #expect(exchanges.map(\.cache) == ["MISS", "HIT", "NONE"])
        #expect(exchanges[1].upstream == "" && exchanges[1].bytesUpstream == 0 && exchanges[1].bytesOut == 7)
    }

    @Test("compression on: text responses are re-encoded by the step, other types pass untouched")
    func compressed() async throws {
        let upstream = try await ScriptedUpstream.start { request in
            request.uri == "/app.js"
                ? .respond(status: 200, headers: [("Content-Type", "application/javascript")], body: Array("let x = 1".utf8))
                : .respond(status: 200, headers: [("Content-Type", "image/png")], body: [1, 2, 3])
        }
        let edge = try await RunningEdge.start(upstreams: [upstream.url], steps: BufferedSteps(compress: Self.upperCase)) {
            $0.localPolicy.compression = CompressionRule()
        }
        defer { Task { await edge.stop(); await upstream.stop() } }
        let script = try await TestClient.send(edge.url + "/app.js")
        #expect(script.text == "LET X = 1" && script.headers.first(name: "content-encoding") == "x-upper")
        let image = try await TestClient.send(edge.url + "/logo.png")
        #expect(image.body == [1, 2, 3] && image.headers.first(name: "content-encoding") == nil)
    }

    @Test("a response over limits.buffer_max_bytes on a cached or compressed route is streamed whole, neither stored nor compressed")
    func overBufferLimit() async throws {
        let big = (0..<5000).map { UInt8(97 + $0 % 26) }
        let upstream = try await ScriptedUpstream.start { _ in .respond(status: 200, headers: [("Content-Type", "text/plain")], body: big) }
        let edge = try await RunningEdge.start(
            upstreams: [upstream.url], steps: BufferedSteps(cache: Self.memoCache(), compress: Self.upperCase)
        ) {
            $0.localPolicy.routes = [RouteRule(match: "/big", cache: CacheRule(ttlMs: 60_000))]
            $0.localPolicy.compression = CompressionRule()
            $0.limits.bufferMaxBytes = 1000
        }
        defer { Task { await edge.stop(); await upstream.stop() } }
        for _ in 0..<2 {
            let cached = try await TestClient.send(edge.url + "/big")
            #expect(cached.status == 200 && cached.body == big && cached.headers.first(name: "content-encoding") == nil)
            #expect(cached.headers.first(name: "x-cache") == "MISS")
        }
        #expect(upstream.requests.count == 2)  // not stored
        let compressedRoute = try await TestClient.send(edge.url + "/download")
        #expect(compressedRoute.status == 200 && compressedRoute.body == big && compressedRoute.headers.first(name: "x-cache") == nil)
    }

    @Test("a request with a body never takes the buffered path")
    func bodiesStream() async throws {
        let upstream = try await ScriptedUpstream.start { request in .respond(status: 200, body: request.body) }
        let edge = try await RunningEdge.start(upstreams: [upstream.url], steps: BufferedSteps(cache: Self.memoCache())) {
            $0.localPolicy.routes = [RouteRule(match: "/echo", methods: ["POST"], cache: CacheRule(ttlMs: 1000))]
        }
        defer { Task { await edge.stop(); await upstream.stop() } }
        for _ in 0..<2 {
            let answer = try await TestClient.send(edge.url + "/echo", method: .POST, body: .bytes(.init(string: "hi")))
            #expect(answer.text == "hi" && answer.headers.first(name: "x-cache") == nil)
        }
        #expect(upstream.requests.count == 2)
    }
}

import AsyncHTTPClient
import NIOCore
import NIOHTTP1

@Suite("edge proxy: with the real cache and compression")
struct ProxyCacheCompressionTests {
    static func realSteps() -> BufferedSteps {
        let cache = ResponseCache(maxBytes: 1 << 20, maxEntryBytes: 1 << 18, clock: TimeParsing.nowMs)
        return BufferedSteps(
            cache: { request, rule, fetch in
                let (response, outcome) = try await cache.respond(to: request, rule: rule, fetch: fetch)
                return (response, outcome.rawValue)
            },
            compress: { ResponseCompression.apply(to: $0, request: $1, rule: $2) })
    }

    @Test("a cached, compressed route: one upstream request per coding, HITs carry the compressed variant")
    func cachedCompressedVariants() async throws {
        let json = Array(("[" + (0..<300).map { "{\"id\":\($0),\"name\":\"course\"}" }.joined(separator: ",") + "]").utf8)
        let upstream = try await ScriptedUpstream.start { _ in
            .respond(status: 200, headers: [("Content-Type", "application/json"), ("Cache-Control", "max-age=60")], body: json)
        }
        let edge = try await RunningEdge.start(upstreams: [upstream.url], steps: Self.realSteps()) {
            $0.localPolicy.routes = [RouteRule(match: "/courses", cache: CacheRule(ttlMs: 60_000))]
            $0.localPolicy.compression = CompressionRule()
        }
        defer { Task { await edge.stop(); await upstream.stop() } }
        let gzip = [("Accept-Encoding", "gzip")]
        let first = try await TestClient.send(edge.url + "/courses", headers: gzip)
        let second = try await TestClient.send(edge.url + "/courses", headers: gzip)
        let plain = try await TestClient.send(edge.url + "/courses", headers: [("Accept-Encoding", "identity")])
        #expect(first.headers.first(name: "x-cache") == "MISS" && second.headers.first(name: "x-cache") == "HIT")
        #expect(first.headers.first(name: "content-encoding") == "gzip" && second.headers.first(name: "content-encoding") == "gzip")
        #expect(second.body.count < json.count / 2 && second.body == first.body)
        #expect(plain.headers.first(name: "content-encoding") == nil && plain.body == json)
        #expect(upstream.requests.count == 2)
        #expect(edge.pool.snapshot[0].requests == 2)
        let head = try await TestClient.send(edge.url + "/courses", method: .HEAD, headers: gzip)
        #expect(head.status == 200 && head.body.isEmpty && head.headers.first(name: "x-cache") == "HIT")
        #expect(try await TestClient.send(edge.url + "/courses", headers: gzip).body == first.body)
    }

    @Test("uncompressed JavaScript streamed through: sampled responses carry their brotli size")
    func brotliSample() async throws {
        let script = Array(String(repeating: "function f(a) { return a + 1; }\n", count: 100).utf8)
        let upstream = try await ScriptedUpstream.start { _ in
            .respond(status: 200, headers: [("Content-Type", "application/javascript")], body: script)
        }
        let sink = CollectingSink()
        let edge = try await RunningEdge.start(upstreams: [upstream.url], sink: sink)
        defer { Task { await edge.stop(); await upstream.stop() } }
        for _ in 0..<20 { _ = try await TestClient.send(edge.url + "/app.js") }
        let samples = await sink.waitFor(20).compactMap(\.brotliBytes)
        #expect(samples.count == 2)
        #expect(samples.allSatisfy { $0 > 0 && $0 < script.count / 10 })
    }
}
