import PerfwatchConfig
import PerfwatchEdgePolicy
import PerfwatchModel
import Testing

/// The edge policy: one reader for an edge's file and the server's wire form, the wire form reads back
/// the same, errors name file, line and field, and changes apply and revert only what they touch.
@Suite("Edge policy")
struct EdgePolicyTests {
    static let yaml = """
        balancing: p2c_ewma
        compression: {algorithms: [br, gzip], types: [text/*, application/javascript], min_bytes: 512}
        routes:
          - match: /courses/:id
            cache: {ttl: 60s, stale_while_revalidate: 30s, vary: [Accept-Language]}
          - match: /static/*
            methods: [get]
            cache: {ttl: 1h, override: true, stale_if_error: 5m}
        weights: {"http://127.0.0.1:3002": 0}
        """

    func policy() throws -> EdgePolicy {
        try EdgePolicy.parse(ConfigNode.parseYAML(Self.yaml, file: "edge.yml"))
    }

    @Test("a YAML policy reads into rules, and its JSON wire form reads back equal")
    func roundTrip() throws {
        let policy = try policy()
        #expect(policy.balancing == .p2cEWMA)
        #expect(policy.compression?.minBytes == 512)
        #expect(policy.routes.count == 2)
        #expect(policy.routes[0].cache?.ttlMs == 60_000)
        #expect(policy.routes[0].cache?.vary == ["accept-language"])
        #expect(policy.routes[1].methods == ["GET"])
        #expect(policy.weights == ["http://127.0.0.1:3002": 0])
        let wire = String(decoding: policy.jsonBytes(), as: UTF8.self)
        #expect(wire.contains("\"ttl\":\"1m\""))
        #expect(wire.contains("\"stale_if_error\":\"5m\""))
        #expect(try EdgePolicy.parse(json: policy.jsonBytes(), what: "policy") == policy)
    }

    @Test(
        "bad policies name the file, line, field and problem",
        arguments: [
            ("balancing: fastest", "edge.yml:1: balancing: unknown balancing \"fastest\""),
            ("routes:\n  - match: courses", "edge.yml:2: routes[0].match: a match is a route pattern"),
            ("routes:\n  - match: /a/*/b", "\"*\" may only end a match"),
            ("routes:\n  - {match: /a, methods: [POST], cache: {ttl: 1m}}", "POST cannot have a cache rule"),
            ("routes:\n  - {match: /a, cache: {ttl: 60}}", "routes[0].cache.ttl"),
            ("routes:\n  - {match: /a, cache: {tll: 1m}}", "unknown key \"tll\""),
            ("weights: {app2: 0}", "weights are keyed by upstream URL"),
            ("weights: {\"http://a:1\": 101}", "a weight is 0...100"),
            ("compression: {algorithms: [zstd]}", "unknown algorithm \"zstd\""),
            ("listen: 1", "unknown key \"listen\""),
        ])
    func refused(text: String, expected: String) throws {
        do {
            _ = try EdgePolicy.parse(ConfigNode.parseYAML(text, file: "edge.yml"))
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test("a rule matches its route name, concrete paths segment by segment, and globs by prefix")
    func matching() throws {
        let policy = try policy()
        #expect(policy.rule(forRoute: "/courses/:id", method: "GET")?.match == "/courses/:id")
        #expect(policy.rule(forRoute: "/x", path: "/courses/42?lang=en", method: "GET")?.match == "/courses/:id")
        #expect(policy.rule(forRoute: "/x", path: "/courses/42/lessons", method: "GET") == nil)
        #expect(policy.rule(forRoute: "/courses/:id", method: "POST") == nil)
        #expect(policy.rule(forRoute: "/x", path: "/static/app.js", method: "GET")?.match == "/static/*")
        #expect(policy.rule(forRoute: "/x", path: "/static/app.js", method: "HEAD") == nil)
    }

    @Test("the server's policy extends the local one: same match → server wins, the rest kept")
    func merging() throws {
        let local = try policy()
        let server = EdgePolicy(
            version: 7, routes: [RouteRule(match: "/static/*", cache: CacheRule(ttlMs: 5000)), RouteRule(match: "/me")],
            weights: ["http://127.0.0.1:3001": 50])
        let merged = server.merged(over: local)
        #expect(merged.version == 7)
        #expect(merged.balancing == .p2cEWMA)
        #expect(merged.routes.map(\.match) == ["/static/*", "/me", "/courses/:id"])
        #expect(merged.routes[0].cache?.ttlMs == 5000)
        #expect(merged.weights == ["http://127.0.0.1:3002": 0, "http://127.0.0.1:3001": 50])
    }

    @Test("a change applies as the next version and reverts only what it touched")
    func changeAppliesAndReverts() throws {
        let start = EdgePolicy(version: 3, routes: [RouteRule(match: "/a", cache: CacheRule(ttlMs: 1000))])
        let change = try EdgePolicyChange.parse(
            json: Array(#"{"routes":[{"match":"/courses/:id","cache":{"ttl":"60s"}}],"balancing":"p2c_ewma"}"#.utf8), what: "change")
        #expect(change.summary == "cache GET /courses/:id for 1m; balance with p2c_ewma")
        let applied = change.applied(to: start, version: 4)
        #expect(applied.version == 4 && applied.routes.map(\.match) == ["/a", "/courses/:id"] && applied.balancing == .p2cEWMA)
        // Another optimization changes /a afterwards; reverting the first keeps it.
        var later = applied
        later.routes[0].cache?.ttlMs = 9000
        let reverted = change.reverted(in: later, previous: start, version: 6)
        #expect(reverted.version == 6)
        #expect(reverted.routes.map(\.match) == ["/a"] && reverted.routes[0].cache?.ttlMs == 9000)
        #expect(reverted.balancing == nil)
        #expect(try EdgePolicyChange.parse(json: change.jsonBytes(), what: "change") == change)
    }

    @Test("an empty change is refused")
    func emptyChange() {
        #expect(throws: ConfigError.self) { try EdgePolicyChange.parse(json: Array("{}".utf8), what: "change") }
    }

    @Test("compression covers types by exact name or text/* family, ignoring parameters")
    func compressionTypes() {
        let rule = CompressionRule()
        #expect(rule.covers(contentType: "text/css; charset=utf-8"))
        #expect(rule.covers(contentType: "application/javascript"))
        #expect(!rule.covers(contentType: "image/png"))
        #expect(!rule.covers(contentType: ""))
    }
}
