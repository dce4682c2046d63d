import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PerfwatchEdge
import Testing

@Suite("edge proxy: pass-through")
struct ProxyPassThroughTests {
    @Test("relays status, headers and body; adds X-Forwarded-* and Server-Timing; drops hop-by-hop headers both ways")
    func passThrough() async throws {
        let upstream = try await ScriptedUpstream.start { request in
            .respond(
                status: 201,
                headers: [("Content-Type", "application/json"), ("Connection", "keep-alive, X-Private"), ("X-Private", "secret"),
                    ("Keep-Alive", "timeout=5"), ("X-App", "yes")],
                body: Array("{\"uri\":\"\(request.uri)\"}".utf8))
        }
        let edge = try await RunningEdge.start(upstreams: [upstream.url])
        defer { Task { await edge.stop(); await upstream.stop() } }

        let answer = try await TestClient.send(
            edge.url + "/courses/17?x=1", headers: [("Connection", "X-Drop"), ("X-Drop", "1"), ("X-Keep", "2"), ("X-Forwarded-For", "10.0.0.1")])
        #expect(answer.status == 201)
        #expect(answer.text == "{\"uri\":\"/courses/17?x=1\"}")
        #expect(answer.headers.first(name: "x-app") == "yes")
        #expect(answer.headers.first(name: "x-private") == nil)
        #expect(answer.headers.first(name: "keep-alive") == nil)
        let timing = try #require(answer.headers.first(name: "server-timing"))
        #expect(timing.hasPrefix("edge;dur=") && timing.contains(", upstream;dur="))

        let seen = try #require(upstream.requests.first)
        #expect(seen.method == "GET")
        #expect(seen.header("x-drop") == nil)
        #expect(seen.header("x-keep") == "2")
        #expect(seen.header("x-forwarded-for") == "10.0.0.1, 127.0.0.1")
        #expect(seen.header("x-forwarded-proto") == "http")
        #expect(seen.header("x-forwarded-host") == "127.0.0.1:\(edge.port)")
        let traceparent = try #require(seen.header("traceparent"))
        #expect(traceparent.split(separator: "-").map(\.count) == [2, 32, 16, 2])
    }

    @Test("continues the client's trace: the upstream's traceparent keeps the trace id with the edge's span as parent")
    func continuesTrace() async throws {
        let upstream = try await ScriptedUpstream.start { _ in .respond(status: 200) }
        let edge = try await RunningEdge.start(upstreams: [upstream.url])
        defer { Task { await edge.stop(); await upstream.stop() } }
        let incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        _ = try await TestClient.send(edge.url + "/", headers: [("traceparent", incoming)])
        let sent = try #require(upstream.requests.first?.header("traceparent"))
        #expect(sent.hasPrefix("00-0af7651916cd43dd8448eb211c80319c-"))
        #expect(!sent.contains("b7ad6b7169203331"))
    }

    @Test("streams a 1 MiB request body up and a 1 MiB response body down")
    func streamsBodies() async throws {
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let upstream = try await ScriptedUpstream.start { request in
            .respond(status: 200, headers: [("X-Received", "\(request.body.count)")], body: request.body.reversed())
        }
        let edge = try await RunningEdge.start(upstreams: [upstream.url])
        defer { Task { await edge.stop(); await upstream.stop() } }
        let answer = try await TestClient.send(edge.url + "/upload", method: .POST, body: .bytes(ByteBuffer(bytes: payload)))
        #expect(answer.status == 200)
        #expect(answer.headers.first(name: "x-received") == "\(payload.count)")
        #expect(answer.body == payload.reversed())
    }

    @Test("keeps the upstream connection alive: ten requests in a row go over one connection")
    func sequentialRequests() async throws {
        let upstream = try await ScriptedUpstream.start { request in .respond(status: 200, body: Array(request.uri.utf8)) }
        let edge = try await RunningEdge.start(upstreams: [upstream.url])
        defer { Task { await edge.stop(); await upstream.stop() } }
        for index in 0..<10 {
            let answer = try await TestClient.send(edge.url + "/n/\(index)")
            #expect(answer.text == "/n/\(index)")
        }
        #expect(upstream.requests.count == 10)
        #expect(upstream.connections == 1)
    }
}
