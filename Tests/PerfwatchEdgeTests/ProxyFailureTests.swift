import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PerfwatchEdge
import Testing

@Suite("edge proxy: bad input and failing upstreams")
struct ProxyFailureTests {
    static let good = ScriptedUpstream.Reply.respond(status: 200, body: Array("fine".utf8))

    @Test("bad chunking from the upstream → 502 naming it; the next request is answered")
    func badChunking() async throws {
        let upstream = try await ScriptedUpstream.start { request in
            guard request.uri == "/bad" else { return Self.good }
            return .raw(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot hex\r\n".utf8), close: false)
        }
        let edge = try await RunningEdge.start(upstreams: [upstream.url])
        defer { Task { await edge.stop(); await upstream.stop() } }
        // The head is valid, so it may already be on its way: then the connection is aborted.
        let bad = try? await TestClient.send(edge.url + "/bad")
        if let bad {
            #expect(bad.status == 502)
            #expect(bad.text.contains("malformed"))
        }
        let next = try await TestClient.send(edge.url + "/ok")
        #expect(next.status == 200 && next.text == "fine")
    }

    @Test("a malformed status line → 502 with a plain body; the pool recovers")
    func malformedHead() async throws {
        let upstream = try await ScriptedUpstream.start { request in
            request.uri == "/bad" ? .raw(Array("NOT HTTP AT ALL\r\n\r\n".utf8), close: true) : Self.good
        }
        let edge = try await RunningEdge.start(upstreams: [upstream.url])
        defer { Task { await edge.stop(); await upstream.stop() } }
        let bad = try await TestClient.send(edge.url + "/bad")
        #expect(bad.status == 502)
        #expect(bad.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)
        #expect(bad.text.contains("malformed or incomplete response"))
        for _ in 0..<3 { #expect(try await TestClient.send(edge.url + "/ok").status == 200) }
    }

    @Test("the upstream closes mid-body → the downstream connection is aborted, not completed short; then recovery")
    func closedMidBody() async throws {
        let upstream = try await ScriptedUpstream.start { request in
            request.uri == "/cut"
                ? .raw(Array("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this much".utf8), close: true) : Self.good
        }
        let edge = try await RunningEdge.start(upstreams: [upstream.url])
        defer { Task { await edge.stop(); await upstream.stop() } }
        await #expect(throws: (any Error).self) { try await TestClient.send(edge.url + "/cut") }
        let next = try await TestClient.send(edge.url + "/ok")
        #expect(next.status == 200 && next.text == "fine")
    }

    @Test("an upstream that never answers → 504 after timeouts.first_byte; the edge answers the next request")
    func hangingUpstream() async throws {
        let upstream = try await ScriptedUpstream.start { request in request.uri == "/hang" ? .hang : Self.good }
        let edge = try await RunningEdge.start(upstreams: [upstream.url]) { $0.timeouts.firstByte = .milliseconds(300) }
        defer { Task { await edge.stop(); await upstream.stop() } }
        let started = ContinuousClock.now
        let answer = try await TestClient.send(edge.url + "/hang")
        #expect(answer.status == 504)
        #expect(answer.text.contains("timeouts.first_byte"))
        // The timeout is 300 ms; the bound only says "answered, not hung" (the suite shares a busy machine).
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(try await TestClient.send(edge.url + "/ok").status == 200)
    }

    @Test("request headers over limits.header_bytes → 431 naming the limit, connection closed")
    func headersTooLarge() async throws {
        let upstream = try await ScriptedUpstream.start { _ in Self.good }
        let edge = try await RunningEdge.start(upstreams: [upstream.url]) { $0.limits.headerBytes = 4096 }
        defer { Task { await edge.stop(); await upstream.stop() } }
        // Over the limit, and far over it (past NIO's default 80 KiB parser cap): 431 either way.
        for size in [8000, 200_000] {
            let answer = try await TestClient.send(edge.url + "/", headers: [("X-Big", String(repeating: "a", count: size))])
            #expect(answer.status == 431)
            #expect(answer.text.contains("limits.header_bytes"))
            #expect(answer.headers.first(name: "connection") == "close")
        }
        #expect(upstream.requests.isEmpty)
        #expect(try await TestClient.send(edge.url + "/").status == 200)
    }

    @Test("a Content-Length over limits.body_bytes → 413 at once, nothing sent upstream")
    func bodyTooLargeByLength() async throws {
        let upstream = try await ScriptedUpstream.start { _ in Self.good }
        let edge = try await RunningEdge.start(upstreams: [upstream.url]) { $0.limits.bodyBytes = 1000 }
        defer { Task { await edge.stop(); await upstream.stop() } }
        let answer = try await TestClient.send(edge.url + "/up", method: .POST, body: .bytes(ByteBuffer(repeating: 1, count: 200_000)))
        #expect(answer.status == 413)
        #expect(answer.text.contains("limits.body_bytes"))
        #expect(upstream.requests.isEmpty)
    }

    @Test("a chunked body that grows past limits.body_bytes → 413")
    func bodyTooLargeChunked() async throws {
        let upstream = try await ScriptedUpstream.start { _ in Self.good }
        let edge = try await RunningEdge.start(upstreams: [upstream.url]) { $0.limits.bodyBytes = 1000 }
        defer { Task { await edge.stop(); await upstream.stop() } }
        let chunks = (0..<50).map { _ in ByteBuffer(repeating: 2, count: 100) }
        let stream = AsyncStream<ByteBuffer> { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
        let answer = try? await TestClient.send(edge.url + "/up", method: .POST, body: .stream(stream, length: .unknown))
        if let answer { #expect(answer.status == 413) }
        #expect(upstream.requests.allSatisfy { $0.body.count <= 1000 })
        #expect(try await TestClient.send(edge.url + "/").status == 200)
    }

    @Test("an Upgrade the upstream does not take is answered as it answered; an Upgrade with a body → 400 naming it")
    func upgradeDeclinedOrRefused() async throws {
        let upstream = try await ScriptedUpstream.start { _ in Self.good }
        let edge = try await RunningEdge.start(upstreams: [upstream.url])
        defer { Task { await edge.stop(); await upstream.stop() } }
        let declined = try await TestClient.send(edge.url + "/ws", headers: [("Upgrade", "websocket"), ("Connection", "Upgrade")])
        #expect(declined.status == 200)
        #expect(upstream.requests.last?.header("upgrade") == "websocket")
        let withBody = try await TestClient.send(
            edge.url + "/ws", method: .POST, headers: [("Upgrade", "websocket"), ("Connection", "Upgrade")], body: .bytes(ByteBuffer(string: "x")))
        #expect(withBody.status == 400)
        #expect(withBody.text.contains("Upgrade"))
    }

    @Test("a connection refused by one instance: an idempotent request goes to the next; every request is answered")
    func retriesOnConnectFailure() async throws {
        let upstream = try await ScriptedUpstream.start { _ in Self.good }
        let dead = "http://127.0.0.1:\(try await closedPort())"
        let edge = try await RunningEdge.start(upstreams: [dead, upstream.url])
        defer { Task { await edge.stop(); await upstream.stop() } }
        for _ in 0..<6 { #expect(try await TestClient.send(edge.url + "/").status == 200) }
        #expect(upstream.requests.count == 6)
        #expect(edge.pool.snapshot[0].errors >= 1)
    }

    @Test("every instance refusing → 502 naming the upstream")
    func allUnreachable() async throws {
        let dead = "http://127.0.0.1:\(try await closedPort())"
        let edge = try await RunningEdge.start(upstreams: [dead])
        defer { Task { await edge.stop() } }
        let answer = try await TestClient.send(edge.url + "/")
        #expect(answer.status == 502)
        #expect(answer.text.contains("cannot connect to upstream \(dead)"))
    }
}
