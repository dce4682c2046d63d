import PerfwatchAnalysis
import PerfwatchModel
import Testing

/// Hand-built traces with known answers for the critical path, the category breakdown,
/// parallelizable chains and cache outcomes.
@Suite("Critical path, bottleneck breakdown, parallelizable calls, cache hit ratio")
struct CriticalPathTests {
    static let trace = "0123456789abcdef0123456789abcdef"

    func span(
        _ id: String, parent: String = "", _ name: String, kind: Span.Kind = .internal, startMs: Double, ms: Double,
        attributes: [String: String] = [:]
    ) -> Span {
        Span(
            traceID: Self.trace, spanID: id, parentSpanID: parent, service: "shop", name: name, kind: kind,
            startNs: Int64(startMs * 1e6), durationNs: Int64(ms * 1e6), attributes: attributes)
    }

    let db = ["db.system": "postgresql"]
    let http = ["http.request.method": "GET", "server.address": "billing"]

    @Test("overlapping calls: only the one that finishes last is on the path, and times add up")
    func overlap() throws {
        // root 0–100: db A 10–40 overlaps http B 20–70 (B ends later); own time the rest.
        let root = span("r", "GET /x", kind: .server, startMs: 0, ms: 100)
        let spans = [
            root, span("a", parent: "r", "SELECT", kind: .client, startMs: 10, ms: 30, attributes: db),
            span("b", parent: "r", "GET billing", kind: .client, startMs: 20, ms: 50, attributes: http),
        ]
        let path = CriticalPath.of(spans, entry: root)
        // a ran alone from 10 to 20, before B started: that part of it is on the path.
        #expect(path.map(\.spanID) == ["r", "a", "b", "r"])
        #expect(path.map(\.ms) == [10, 10, 50, 30])
        #expect(path.map(\.category) == [.application, .database, .http, .application])
        #expect(abs(path.reduce(0) { $0 + $1.ms } - 100) < 1e-9)
    }

    @Test("sequential calls are all on the path; a downstream service's spans count as the HTTP call's time")
    func sequentialAndNested() throws {
        let root = span("r", "GET /x", kind: .server, startMs: 0, ms: 100)
        let spans = [
            root, span("a", parent: "r", "SELECT", kind: .client, startMs: 5, ms: 20, attributes: db),
            span("b", parent: "r", "GET billing", kind: .client, startMs: 30, ms: 60, attributes: http),
            // The billing service's own server span and its work, inside the HTTP call.
            span("c", parent: "b", "GET /invoices", kind: .server, startMs: 35, ms: 50),
            span("d", parent: "c", "render", startMs: 40, ms: 30),
        ]
        let breakdown = try #require(BottleneckBreakdown.of(traces: [spans], route: nil))
        let shares = Dictionary(uniqueKeysWithValues: breakdown.shares.map { ($0.category, $0.ms) })
        #expect(abs(shares[.http]! - 60) < 1e-9)
        #expect(abs(shares[.database]! - 20) < 1e-9)
        #expect(abs(shares[.application]! - 20) < 1e-9)
        #expect(breakdown.dominant?.category == .http)
        #expect(abs(breakdown.dominant!.share - 0.6) < 1e-9)
    }

    @Test("sequential calls to different targets form a chain; sum − max is the saving")
    func parallelizable() throws {
        let spans = [
            span("r", "GET /x", kind: .server, startMs: 0, ms: 200),
            span("a", parent: "r", "GET users", kind: .client, startMs: 1, ms: 40, attributes: ["http.request.method": "GET", "server.address": "users"]),
            span("b", parent: "r", "GET billing", kind: .client, startMs: 41.5, ms: 50, attributes: http),
            span("c", parent: "r", "SELECT", kind: .client, startMs: 92, ms: 30, attributes: db),
        ]
        let chain = try #require(ParallelizableCalls().bestChain(in: spans))
        #expect(chain.calls.count == 3)
        #expect(abs(chain.savingMs - 70) < 1e-6)
    }

    @Test("no chain: the same target repeated (N+1), overlapping calls, a long gap, or short calls")
    func notParallelizable() {
        let detector = ParallelizableCalls()
        let root = span("r", "GET /x", kind: .server, startMs: 0, ms: 300)
        let repeated = [root] + (0..<5).map { span("q\($0)", parent: "r", "SELECT", kind: .client, startMs: 1 + Double($0) * 21, ms: 20, attributes: db) }
        #expect(detector.bestChain(in: repeated) == nil)
        let overlapping = [
            root, span("a", parent: "r", "GET users", kind: .client, startMs: 1, ms: 40, attributes: ["http.request.method": "GET", "server.address": "users"]),
            span("b", parent: "r", "GET billing", kind: .client, startMs: 2, ms: 50, attributes: http),
        ]
        #expect(detector.bestChain(in: overlapping) == nil)
        let gap = [
            root, span("a", parent: "r", "GET users", kind: .client, startMs: 1, ms: 40, attributes: ["http.request.method": "GET", "server.address": "users"]),
            span("b", parent: "r", "GET billing", kind: .client, startMs: 101, ms: 50, attributes: http),
        ]
        #expect(detector.bestChain(in: gap) == nil)
        let short = [
            root, span("a", parent: "r", "GET", kind: .client, startMs: 1, ms: 1, attributes: ["db.system": "redis"]),
            span("b", parent: "r", "SELECT", kind: .client, startMs: 2, ms: 30, attributes: db),
        ]
        #expect(detector.bestChain(in: short) == nil)
    }

    @Test("cache outcomes: cache.hit, cache.result; spans without an outcome are not lookups")
    func cacheOutcomes() {
        let redis = ["db.system": "redis"]
        #expect(CacheHitRatio.outcome(of: span("a", "GET", kind: .client, startMs: 0, ms: 1, attributes: redis.merging(["cache.hit": "true"]) { $1 })) == true)
        #expect(CacheHitRatio.outcome(of: span("b", "GET", kind: .client, startMs: 0, ms: 1, attributes: redis.merging(["cache.hit": "false"]) { $1 })) == false)
        #expect(CacheHitRatio.outcome(of: span("c", "get", startMs: 0, ms: 1, attributes: ["cache.result": "miss"])) == false)
        #expect(CacheHitRatio.outcome(of: span("d", "SET", kind: .client, startMs: 0, ms: 1, attributes: redis)) == nil)
        #expect(CacheHitRatio.outcome(of: span("e", "SELECT", kind: .client, startMs: 0, ms: 1, attributes: ["db.system": "postgresql", "cache.hit": "x"])) == nil)
        var ratio = CacheHitRatio()
        ratio.add(trace: [span("a", "GET", kind: .client, startMs: 0, ms: 1, attributes: redis.merging(["cache.hit": "true"]) { $1 })], entryMs: 10)
        ratio.add(trace: [span("b", "GET", kind: .client, startMs: 0, ms: 1, attributes: redis.merging(["cache.hit": "0"]) { $1 })], entryMs: 50)
        ratio.add(trace: [span("c", "GET", kind: .client, startMs: 0, ms: 1, attributes: redis.merging(["cache.hit": "1"]) { $1 })], entryMs: 20)
        #expect(ratio.hits == 2 && ratio.misses == 1)
        #expect(abs(ratio.ratio - 2.0 / 3) < 1e-12)
        #expect(ratio.missTraceMs == 50 && ratio.hitTraceMs == 15)
    }
}
