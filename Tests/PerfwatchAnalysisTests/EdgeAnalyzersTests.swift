import Foundation
import Logging
import PerfwatchAnalysis
import PerfwatchEdgePolicy
import PerfwatchIngest
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// Ten minutes of traffic through `perfwatch edge`, as the edge's spans: a cacheable JSON route,
/// a personalized one, uncompressed JS and CSS, three instances of which one is 10× slower,
/// plus routes and a second service that each miss one condition or minimum. The analysis must
/// recommend exactly three edge optimizations, with figures from the traffic.
@Suite("Edge analyzers")
struct EdgeAnalyzersTests {
    static let upstreams = ["http://127.0.0.1:3000", "http://127.0.0.1:3001", "http://127.0.0.1:3002"]

    struct Traffic {
        let startMs: Int64
        var spans: [Span] = []

        /// `count` requests, one a second from `startMs`, spread round robin over `upstreams`
        /// (index 2 answers `slowFactor` times slower); `attributes(i)` adds per-request ones.
        mutating func add(
            service: String = "edge", route: String, count: Int, ms: Double, slowFactor: Double = 10, upstreams: [String] = EdgeAnalyzersTests.upstreams,
            cache: String = "NONE", attributes: (Int) -> [String: String] = { _ in [:] }
        ) {
            for index in 0..<count {
                let upstream = cache == "HIT" ? "" : upstreams[index % upstreams.count]
                let slow = upstream == upstreams.last && upstreams.count > 1
                var all: [String: String] = [
                    "http.route": route, "http.request.method": "GET", "http.response.status_code": "200", "url.path": route,
                    "perfwatch.edge.cache": cache, "perfwatch.edge.upstream": upstream, "perfwatch.edge.repeat": "same",
                    "perfwatch.edge.cache_control": "none", "perfwatch.edge.set_cookie": "false", "perfwatch.edge.authorized": "false",
                    "perfwatch.edge.content_type": "application/json", "perfwatch.edge.content_encoding": "identity",
                    "perfwatch.edge.bytes_out": "1000",
                ]
                all.merge(attributes(index)) { $1 }
                let durationMs = slow ? ms * slowFactor : ms
                spans.append(
                    Span(
                        traceID: String(format: "%032lx", spans.count + 1), spanID: String(format: "%016lx", spans.count + 1), service: service,
                        name: "GET \(route)", kind: .server, startNs: (startMs + Int64(index) * 1000) * 1_000_000,
                        durationNs: Int64(durationMs * 1_000_000), attributes: all))
            }
        }
    }

    /// Requests per URL: 20 courses, so the first request of each is `first`.
    static func traffic(nowMs: Int64) -> [Span] {
        var traffic = Traffic(startMs: nowMs / 10_000 * 10_000 - 610_000)
        // Cacheable: 600 GETs, 20 URLs, 10 bodies changed among the 580 repeats (98% identical).
        traffic.add(route: "/courses/:id", count: 600, ms: 40) { index in
            ["perfwatch.edge.repeat": index < 20 ? "first" : (index % 58 == 0 ? "changed" : "same")]
        }
        // Personalized: every body differs, sets a cookie, the requests carry one.
        traffic.add(route: "/me", count: 600, ms: 30) { index in
            ["perfwatch.edge.repeat": index < 5 ? "first" : "changed", "perfwatch.edge.set_cookie": "true", "perfwatch.edge.cookie": "true"]
        }
        // Identical but private, or no-cache, or mostly authorized, or too few requests: no cache rule either.
        traffic.add(route: "/private", count: 300, ms: 30) { _ in ["perfwatch.edge.cache_control": "private"] }
        traffic.add(route: "/revalidated", count: 300, ms: 30) { _ in ["perfwatch.edge.cache_control": "no-cache"] }
        traffic.add(route: "/account", count: 300, ms: 30) { index in ["perfwatch.edge.authorized": index % 10 == 0 ? "false" : "true"] }
        traffic.add(route: "/rare", count: 150, ms: 30)
        // Already cached: hits of 2 ms (the expected p95 of a hit) and no new advice for it.
        traffic.add(route: "/cached", count: 300, ms: 2, cache: "HIT")
        // Uncompressed JS and CSS (a brotli sample on every 10th); too few requests to cache.
        traffic.add(route: "/static/app.js", count: 150, ms: 5) { index in
            [
                "perfwatch.edge.content_type": "application/javascript", "perfwatch.edge.bytes_out": "40000",
                "perfwatch.edge.brotli_bytes": index % 10 == 0 ? "11000" : nil,
            ].compactMapValues { $0 }
        }
        traffic.add(route: "/static/styles.css", count: 150, ms: 5) { index in
            [
                "perfwatch.edge.content_type": "text/css", "perfwatch.edge.bytes_out": "20000",
                "perfwatch.edge.brotli_bytes": index % 10 == 0 ? "6000" : nil,
            ].compactMapValues { $0 }
        }
        // A second service under every minimum: a slow instance with 20 requests each, 100
        // identical GETs, 500 KB of compressible JS.
        traffic.add(service: "tiny", route: "/rare", count: 40, ms: 30, upstreams: Array(upstreams.prefix(2)))
        traffic.add(service: "tiny", route: "/list", count: 100, ms: 30, upstreams: ["http://127.0.0.1:4000"])
        traffic.add(service: "tiny", route: "/tiny.js", count: 100, ms: 3, upstreams: ["http://127.0.0.1:4000"]) { _ in
            ["perfwatch.edge.content_type": "application/javascript", "perfwatch.edge.bytes_out": "5000", "perfwatch.edge.brotli_bytes": "1000"]
        }
        return traffic.spans
    }

    func analyzedStore(_ directory: String, nowMs: Int64, spans: [Span]? = nil) async throws -> (EmbeddedStore, AnalysisService) {
        let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
        var spans = spans ?? Self.traffic(nowMs: nowMs)
        let derived = SpanDerivations.derive(from: &spans)
        _ = try await store.append(IngestPayload(derived: derived.points))
        let engine = QueryEngine(store: store, configuration: .init(maxSeries: 100_000))
        let analysis = AnalysisService(
            analyzers: [EdgeCacheAnalyzer(engine: engine), EdgeCompressionAnalyzer(engine: engine), EdgeBalancingAnalyzer(engine: engine)],
            store: store, logger: Logger(label: "test"))
        return (store, analysis)
    }

    func evidence(_ issue: PerformanceIssue) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(issue.evidence.utf8)) as? [String: Any])
    }

    /// The `policy_change` of the evidence, read as the server reads it before applying it.
    func policyChange(_ issue: PerformanceIssue) throws -> EdgePolicyChange {
        let start = try #require(issue.evidence.range(of: #""policy_change":"#))
        return try EdgePolicyChange.parse(json: Array(issue.evidence[start.upperBound...].dropLast().utf8), what: "policy_change")
    }

    @Test("exactly the three recommendations, with figures from the data; none for personalized routes or below the minimums")
    func recommendations() async throws {
        try await withTemporaryDirectory { directory in
            let now = TimeParsing.nowMs()
            let (store, analysis) = try await analyzedStore(directory, nowMs: now)
            let report = await analysis.runPass(nowMs: now)
            #expect(report.failures.isEmpty)
            let issues = try await store.issues(status: nil, type: nil, limit: 100)
            #expect(issues.map(\.type).sorted() == ["edge_balancing", "edge_cache", "edge_compression"])
            #expect(issues.allSatisfy { $0.service == "edge" })
            let byType = Dictionary(uniqueKeysWithValues: issues.map { ($0.type, $0) })

            let cache = try #require(byType["edge_cache"])
            #expect(cache.route == "/courses/:id")
            #expect(cache.title == "Cache GET /courses/:id for 60 s: 98% of its responses in the last hour were identical")
            // 600 requests in 600 s; 20 URLs, one upstream fetch each per 60 s → 1 - 20/60 = 67% fewer.
            #expect(cache.recommendation.contains("1.0 req/s"))
            #expect(cache.recommendation.contains("→ 2 ms for hits, 67% fewer upstream requests"))
            let cacheFigures = try evidence(cache)
            #expect(cacheFigures["requests"] as? Double == 600)
            #expect(cacheFigures["same"] as? Double == 570)
            #expect(cacheFigures["changed"] as? Double == 10)
            #expect(cacheFigures["expectedHitP95From"] as? String == "cache_hits")
            // p95 of 2/3 at 40 ms and 1/3 at 400 ms (the slow instance), within the sketch's 1%.
            #expect(abs((cacheFigures["p95Ms"] as? Double ?? 0) - 400) <= 4)
            #expect(
                try policyChange(cache)
                    == EdgePolicyChange(routes: [
                        RouteRule(match: "/courses/:id", methods: ["GET", "HEAD"], cache: CacheRule(ttlMs: 60_000, staleWhileRevalidateMs: 30_000))
                    ]))
            #expect(cache.recommendation.hasSuffix("Applying it publishes: cache GET /courses/:id for 1m."))

            let compression = try #require(byType["edge_compression"])
            // (15 × 11000 + 15 × 6000) / (15 × 40000 + 15 × 20000) = 28% of the bytes → 72% saved.
            #expect(compression.title == "app.js and styles.css are served uncompressed: brotli saves 72%")
            #expect(compression.route == "")
            let compressionFigures = try evidence(compression)
            #expect(compressionFigures["contentTypes"] as? [String] == ["application/javascript", "text/css"])
            #expect(compressionFigures["identityBytes"] as? Double == 9_000_000)
            #expect(
                try policyChange(compression)
                    == EdgePolicyChange(
                        compression: CompressionRule(
                            algorithms: ["br", "gzip"],
                            types: ["application/javascript", "text/css", "text/*", "application/json", "image/svg+xml", "application/xml"])))

            let balancing = try #require(byType["edge_balancing"])
            #expect(balancing.title.hasPrefix("Instance http://127.0.0.1:3002 answers "))
            #expect(balancing.title.hasSuffix("× slower than its peers: switch to latency-aware balancing"))
            let balancingFigures = try evidence(balancing)
            #expect(abs((balancingFigures["ratio"] as? Double ?? 0) - 10) <= 0.3)
            #expect(abs((balancingFigures["requestShare"] as? Double ?? 0) - 1.0 / 3) <= 0.01)
            #expect(try policyChange(balancing) == EdgePolicyChange(balancing: .p2cEWMA))
        }
    }

    @Test("a second pass updates the same three issues instead of adding more")
    func stableFingerprints() async throws {
        try await withTemporaryDirectory { directory in
            let now = TimeParsing.nowMs()
            let (store, analysis) = try await analyzedStore(directory, nowMs: now)
            _ = await analysis.runPass(nowMs: now)
            let first = try await store.issues(status: nil, type: nil, limit: 100)
            _ = await analysis.runPass(nowMs: now + 1000)
            let second = try await store.issues(status: nil, type: nil, limit: 100)
            #expect(second.count == 3)
            #expect(Set(second.map(\.id)) == Set(first.map(\.id)))
            #expect(Set(second.map(\.fingerprint)) == ["edge_cache|edge|/courses/:id", "edge_compression|edge|", "edge_balancing|edge|"])
        }
    }

    @Test("a body that changes every 12 s gets a 5 s TTL; an instance traffic already avoids gets no balancing advice")
    func dataDrivenLimits() async throws {
        try await withTemporaryDirectory { directory in
            let now = TimeParsing.nowMs()
            var traffic = Traffic(startMs: now / 10_000 * 10_000 - 610_000)
            // One URL, 600 requests in 600 s, 50 changes: its body lasts 12 s → TTL 5 s, and
            // 1 - 1 / (1 req/s × 5 s) = 80% fewer upstream requests.
            traffic.add(route: "/feed", count: 600, ms: 20, upstreams: ["http://127.0.0.1:3000"]) { index in
                ["perfwatch.edge.repeat": index == 0 ? "first" : (index % 12 == 0 ? "changed" : "same")]
            }
            // 10× slower, but with 10% of the requests (under half of an even third).
            traffic.add(service: "steered", route: "/a", count: 540, ms: 40, slowFactor: 1, upstreams: Array(Self.upstreams.prefix(2))) { _ in
                ["perfwatch.edge.repeat": "changed"]
            }
            traffic.add(service: "steered", route: "/a", count: 60, ms: 400, upstreams: [Self.upstreams[2]]) { _ in
                ["perfwatch.edge.repeat": "changed"]
            }
            let (store, analysis) = try await analyzedStore(directory, nowMs: now, spans: traffic.spans)
            let report = await analysis.runPass(nowMs: now)
            #expect(report.failures.isEmpty)
            let issues = try await store.issues(status: nil, type: nil, limit: 100)
            #expect(issues.map(\.type) == ["edge_cache"])
            let cache = try #require(issues.first)
            #expect(cache.title == "Cache GET /feed for 5 s: 92% of its responses in the last hour were identical")
            // No hits in the service yet: the bound is its fastest 1% (all /feed, 20 ms).
            #expect(cache.recommendation.contains("expected p95 20 ms → ≤ 20 ms for hits, 80% fewer upstream requests"))
            #expect(try policyChange(cache).routes.first?.cache == CacheRule(ttlMs: 5000, staleWhileRevalidateMs: 2500))
            #expect(cache.recommendation.contains("for 5 s (stale-while-revalidate 2.5 s)"))
        }
    }
}
