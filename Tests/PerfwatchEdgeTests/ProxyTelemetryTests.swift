import Foundation
import Logging
@testable import PerfwatchEdge
import PerfwatchEdgePolicy
import PerfwatchOTLP
import SwiftProtobuf
import Synchronization
import Testing

/// Collects what the proxy records.
final class CollectingSink: EdgeExchangeSink {
    private let exchanges = Mutex<[EdgeExchange]>([])
    var all: [EdgeExchange] { exchanges.withLock { $0 } }
    func record(_ exchange: EdgeExchange) { exchanges.withLock { $0.append(exchange) } }

    func waitFor(_ count: Int) async -> [EdgeExchange] {
        for _ in 0..<200 where all.count < count { try? await Task.sleep(for: .milliseconds(10)) }
        return all
    }
}

@Suite("edge telemetry")
struct ProxyTelemetryTests {
    @Test("each request is recorded with its route pattern, upstream, status and response facts")
    func exchangeFacts() async throws {
        let upstream = try await ScriptedUpstream.start { request in
            request.uri.hasPrefix("/courses")
                ? .respond(
                    status: 200, headers: [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "public, max-age=60")],
                    body: Array("{}".utf8))
                : .respond(status: 503, headers: [("Set-Cookie", "a=b"), ("Cache-Control", "private, no-store")])
        }
        let sink = CollectingSink()
        let edge = try await RunningEdge.start(upstreams: [upstream.url], sink: sink)
        defer { Task { await edge.stop(); await upstream.stop() } }
        _ = try await TestClient.send(edge.url + "/courses/42?tab=1", headers: [("Cookie", "s=1")])
        _ = try await TestClient.send(edge.url + "/down", headers: [("Authorization", "Bearer x")])
        let exchanges = await sink.waitFor(2)
        let course = try #require(exchanges.first { $0.target.hasPrefix("/courses") })
        #expect(course.route == "/courses/:id")
        #expect(course.status == 200 && course.upstream == upstream.url && !course.failed)
        #expect(course.contentType == "application/json" && course.cacheControl == "max-age")
        #expect(course.bytesOut == 2 && course.bytesUpstream == 2)
        #expect(course.cookie && !course.authorized && !course.setCookie)
        #expect(course.cache == "NONE" && course.contentEncoding == "identity" && course.repeatKind == "first")
        let down = try #require(exchanges.first { $0.target == "/down" })
        #expect(down.status == 503 && down.setCookie && down.authorized && down.cacheControl == "no-store")
    }

    @Test("repeat: first, then same for an identical body, changed for a different one")
    func repeats() async throws {
        let counter = Mutex(0)
        let upstream = try await ScriptedUpstream.start { request in
            let n = counter.withLock { $0 += 1; return $0 }
            return .respond(status: 200, body: Array((request.uri == "/stable" || n < 5 ? "same" : "new \(n)").utf8))
        }
        let sink = CollectingSink()
        let edge = try await RunningEdge.start(upstreams: [upstream.url], sink: sink)
        defer { Task { await edge.stop(); await upstream.stop() } }
        for path in ["/stable", "/stable", "/x?a=1", "/x?a=1", "/x?a=1"] { _ = try await TestClient.send(edge.url + path) }
        #expect(await sink.waitFor(5).map(\.repeatKind) == ["first", "same", "first", "same", "changed"])
    }

    @Test("a policy route's match names the route")
    func policyRouteNames() async throws {
        let upstream = try await ScriptedUpstream.start { _ in .respond(status: 200) }
        let sink = CollectingSink()
        let edge = try await RunningEdge.start(upstreams: [upstream.url], sink: sink) {
            $0.localPolicy.routes = [RouteRule(match: "/static/*")]
        }
        defer { Task { await edge.stop(); await upstream.stop() } }
        _ = try await TestClient.send(edge.url + "/static/app/main.js")
        #expect(await sink.waitFor(1).first?.route == "/static/*")
    }

    @Test("spans reach {server}/v1/traces as OTLP protobuf with the contract's attributes")
    func exportsSpans() async throws {
        let received = Mutex<[[UInt8]]>([])
        let server = try await ScriptedUpstream.start { request in
            if request.uri == "/v1/traces" { received.withLock { $0.append(request.body) } }
            return .respond(status: 200)
        }
        let upstream = try await ScriptedUpstream.start { _ in .respond(status: 200, headers: [("Content-Type", "text/html")], body: Array("hi".utf8)) }
        let exporter = SpanExporter(
            server: server.url, apiKey: "k", service: "shop-edge", instance: "edge-1", interval: .milliseconds(100), logger: Logger(label: "t"))
        let edge = try await RunningEdge.start(upstreams: [upstream.url], sink: exporter)
        defer { Task { await edge.stop(); await upstream.stop(); await server.stop() } }
        _ = try await TestClient.send(edge.url + "/items/7")
        await exporter.flush()
        let body = try #require(received.withLock { $0.first })
        let request = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: body)
        let resource = try #require(request.resourceSpans.first)
        let resourceAttributes = Dictionary(uniqueKeysWithValues: resource.resource.attributes.map { ($0.key, $0.value.stringValue) })
        #expect(resourceAttributes == ["service.name": "shop-edge", "service.instance.id": "edge-1"])
        let span = try #require(resource.scopeSpans.first?.spans.first)
        #expect(span.name == "GET /items/:id" && span.kind == .server && span.traceID.count == 16)
        let attributes = Dictionary(uniqueKeysWithValues: span.attributes.map { ($0.key, $0.value) })
        #expect(attributes["http.route"]?.stringValue == "/items/:id")
        #expect(attributes["http.response.status_code"]?.intValue == 200)
        #expect(attributes["perfwatch.edge.upstream"]?.stringValue == upstream.url)
        #expect(attributes["perfwatch.edge.cache"]?.stringValue == "NONE")
        #expect(attributes["perfwatch.edge.bytes_out"]?.intValue == 2)
        #expect(attributes["perfwatch.edge.content_type"]?.stringValue == "text/html")
        #expect(attributes["perfwatch.edge.set_cookie"]?.stringValue == "false")
        #expect(server.requests.first?.header("authorization") == "Bearer k")
        #expect(exporter.counts.exported == 1)
    }

    @Test("server down: the buffer keeps at most its capacity, counts what it drops, and the proxy keeps answering")
    func boundedBuffer() async throws {
        let dead = "http://127.0.0.1:\(try await closedPort())"
        let upstream = try await ScriptedUpstream.start { _ in .respond(status: 200) }
        let exporter = SpanExporter(server: dead, apiKey: nil, service: "edge", instance: "e", capacity: 5, logger: Logger(label: "t"))
        let edge = try await RunningEdge.start(upstreams: [upstream.url], sink: exporter)
        defer { Task { await edge.stop(); await upstream.stop() } }
        for _ in 0..<8 { #expect(try await TestClient.send(edge.url + "/").status == 200) }
        for _ in 0..<200 where exporter.counts.buffered + exporter.counts.dropped < 8 { try await Task.sleep(for: .milliseconds(10)) }
        await exporter.flush()
        let counts = exporter.counts
        #expect(counts.buffered == 5 && counts.dropped == 3 && counts.exported == 0)
    }

    @Test("a batch on its way to a server that does not answer still counts as buffered and against the capacity")
    func batchInFlightIsCounted() async throws {
        let hanging = try await ScriptedUpstream.start { _ in .hang }
        defer { Task { await hanging.stop() } }
        let exporter = SpanExporter(
            server: hanging.url, apiKey: nil, service: "edge", instance: "e", capacity: 10, batchSize: 4, logger: Logger(label: "t"))
        var random = SystemRandomNumberGenerator()
        let exchange = EdgeExchange(method: "GET", target: "/", route: "/", startUnixNanos: 0, trace: TraceContext(incoming: nil, random: &random))
        for _ in 0..<6 { exporter.record(exchange) }
        let sending = Task { await exporter.flush() }
        while hanging.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(exporter.counts == .init(buffered: 6, dropped: 0, exported: 0))  // 4 on their way, 2 waiting
        for _ in 0..<6 { exporter.record(exchange) }
        #expect(exporter.counts == .init(buffered: 10, dropped: 2, exported: 0))  // the capacity holds the batch too
        sending.cancel()
        _ = await sending.value
        #expect(exporter.counts.buffered + exporter.counts.dropped == 12)  // a failed batch goes back whole
    }
}
