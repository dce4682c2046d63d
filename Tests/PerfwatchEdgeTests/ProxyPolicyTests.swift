import HTTPTypes
import Logging
@testable import PerfwatchEdge
import PerfwatchEdgePolicy
import PerfwatchModel
import Testing

@Suite("edge policy sync")
struct ProxyPolicyTests {
    static let upstreams = ["http://127.0.0.1:3000", "http://127.0.0.1:3001"]

    static func state(local: EdgePolicy = EdgePolicy()) -> (PolicyState, UpstreamPool) {
        let pool = UpstreamPool(urls: upstreams, algorithm: .roundRobin)
        return (PolicyState(local: local, upstreams: upstreams, balancing: .roundRobin, pool: pool), pool)
    }

    @Test("a server policy is merged over the local one and runs: version, balancing and weights reach the pool")
    func accepts() {
        let (policy, pool) = Self.state(local: EdgePolicy(routes: [RouteRule(match: "/local/*")], weights: ["http://127.0.0.1:3000": 50]))
        #expect(pool.snapshot.map(\.weight) == [50, 100])
        let reason = policy.accept(EdgePolicy(version: 3, balancing: .p2cEWMA, routes: [RouteRule(match: "/courses/:id")], weights: ["http://127.0.0.1:3001/": 0]))
        #expect(reason == nil)
        #expect(policy.version == 3 && policy.refused == nil)
        #expect(policy.effective.routes.map(\.match) == ["/courses/:id", "/local/*"])
        #expect(pool.algorithm == .p2cEWMA)
        #expect(pool.snapshot.map(\.weight) == [50, 0])
    }

    @Test("a policy weighting an unknown upstream is refused with the reason; the running policy stays")
    func refusesUnknownUpstream() {
        let (policy, pool) = Self.state()
        policy.accept(EdgePolicy(version: 2, balancing: .leastRequests))
        let reason = policy.accept(EdgePolicy(version: 3, balancing: .p2cEWMA, weights: ["http://10.0.0.9:80": 0]))
        #expect(reason?.contains("http://10.0.0.9:80") == true)
        #expect(policy.version == 2 && pool.algorithm == .leastRequests)
        #expect(policy.refused?.version == 3)
    }

    @Test("a server answer that does not parse is refused naming the field; the running policy stays")
    func refusesUnparsable() {
        let (policy, _) = Self.state()
        let sync = PolicySync(server: "http://127.0.0.1:1", apiKey: nil, name: "e", policy: policy, logger: Logger(label: "t"))
        sync.receive(Array(#"{"version":4,"routes":[{"match":"/x","cache":{"ttl":"soon"}}]}"#.utf8))
        #expect(policy.version == 0)
        #expect(policy.refused?.version == 4)
        #expect(policy.refused?.reason.contains("ttl") == true)
        sync.receive(Array(#"{"version":5,"balancing":"least_requests"}"#.utf8))
        #expect(policy.version == 5 && policy.refused == nil)
    }

    @Test("long poll: the edge sends If-None-Match with its version and applies the 200 answer")
    func longPoll() async throws {
        let server = try await ScriptedUpstream.start { request in
            request.header("if-none-match") == "\"0\""
                ? .respond(status: 200, headers: [("ETag", "\"7\""), ("Content-Type", "application/json")], body: Array(#"{"version":7,"balancing":"p2c_ewma"}"#.utf8))
                : .respond(status: 304, headers: [("ETag", "\"7\"")])
        }
        defer { Task { await server.stop() } }
        let (policy, pool) = Self.state()
        let sync = PolicySync(server: server.url, apiKey: "key", name: "edge 1", policy: policy, logger: Logger(label: "t"))
        #expect(await sync.poll())
        #expect(policy.version == 7 && pool.algorithm == .p2cEWMA)
        #expect(await sync.poll())
        let requests = server.requests
        #expect(requests.map { $0.header("if-none-match") } == ["\"0\"", "\"7\""])
        #expect(requests.first?.uri == "/api/v1/edge/policy?edge=edge%201&wait=30s")
        #expect(requests.first?.header("authorization") == "Bearer key")
    }

    @Test("admin API: /status names the upstreams, /purge needs a prefix and reports what it removed")
    func adminAPI() throws {
        let (policy, pool) = Self.state()
        let cache = ResponseCache(maxBytes: 1 << 20, maxEntryBytes: 1 << 16, clock: { 0 })
        let images = ImageTransform(jobs: 1, queue: 0)
        let api = EdgeAdminAPI(pool: pool, policy: policy, exporter: nil, cache: cache, images: images)
        let (status, body) = api.answer(method: .get, path: "/status")
        #expect(status == .ok && String(decoding: body, as: UTF8.self).contains("\"url\":\"http://127.0.0.1:3000\""))
        #expect(String(decoding: body, as: UTF8.self).contains("\"images\":{\"transcoded\":0,"))
        #expect(api.answer(method: .post, path: "/purge?prefix=/courses").0 == .ok)
        #expect(String(decoding: api.answer(method: .post, path: "/purge?prefix=/").1, as: UTF8.self) == "{\"purged\":0}")
        #expect(api.answer(method: .post, path: "/purge").0 == .badRequest)
        #expect(api.answer(method: .get, path: "/nothing").0 == .notFound)
    }

    @Test("the report names version, refusal, upstreams and telemetry in the contract's keys")
    func reportShape() throws {
        let (policy, pool) = Self.state()
        policy.accept(EdgePolicy(version: 9, weights: ["http://10.9.9.9:1": 0]))
        let reporter = EdgeReporter(
            server: "http://127.0.0.1:1", apiKey: nil, name: "edge-1", service: "edge", pool: pool, exporter: nil, policy: policy,
            cache: nil, images: nil, bytesSaved: { 1234 }, logger: Logger(label: "t"))
        let json = try CompactJSONEncoder().encode(reporter.report())
        for key in [
            "\"edge\":\"edge-1\"", "\"policy_version\":0", "\"refused\":{", "\"version\":9", "\"in_flight\":0", "\"ewma_ms\":0",
            "\"bytes_saved\":1234", "\"cache\":{\"entries\":0,", "\"evictions\":0}", "\"telemetry\":{",
            "\"images\":{\"transcoded\":0,\"undecodable\":0,\"too_large\":0,\"busy\":0,\"not_smaller\":0,",
        ] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
        policy.accept(EdgePolicy(version: 10))
        #expect(try CompactJSONEncoder().encode(reporter.report()).contains("\"policy_version\":10,\"refused\":null,"))
    }
}

import Foundation
