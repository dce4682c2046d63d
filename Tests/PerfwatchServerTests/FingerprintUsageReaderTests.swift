import Foundation
import PerfwatchAnalysis
import PerfwatchIngest
import PerfwatchModel
import PerfwatchQuery
@testable import PerfwatchServer
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// What the database advisor is told about each fingerprint comes from the same derived series as
/// the Database page: routes with calls per request and share of p95, a literal sample from a
/// trace, and the peak concurrency of database calls.
@Suite("Fingerprint usage from spans")
struct FingerprintUsageReaderTests {
    static let nowMs: Int64 = 1_800_000_000_000

    /// `requests` traces of `route`: a 40 ms SERVER span with `calls` 10 ms PostgreSQL calls of `statement(i)`.
    func traces(route: String, requests: Int, calls: Int, system: String = "postgresql", statement: (Int) -> String) -> [Span] {
        var spans: [Span] = []
        for request in 0..<requests {
            // Ids unique per route and request in their first 8 bytes (the store's keys).
            let trace = String(format: "%08x%08x%016x", request + 1, route.utf8.count, 1)
            let server = String(format: "%08x%08x", route.utf8.count, request + 1)
            let start = (Self.nowMs - 600_000 + Int64(request) * 1_000) * 1_000_000
            spans.append(
                Span(
                    traceID: trace, spanID: server, service: "shop", name: "GET \(route)", kind: .server,
                    startNs: start, durationNs: 40_000_000, attributes: ["http.route": route], route: route))  // as OTLP ingest sets it
            for call in 0..<calls {
                spans.append(
                    Span(
                        traceID: trace, spanID: String(format: "%04x%04x%08x", route.utf8.count, call + 1, request + 1), parentSpanID: server,
                        service: "shop", name: "SELECT", kind: .client, startNs: start + Int64(call) * 10_000_000, durationNs: 10_000_000,
                        attributes: ["db.system": system, "db.statement": statement(request)]))
            }
        }
        return spans
    }

    @Test("routes, calls per request, share of the route's p95, a literal sample and the peak concurrency")
    func usage() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: EmbeddedStoreConfiguration(directory: directory, fsyncEachCommit: false))
            var spans = traces(route: "/customers/{id}/orders", requests: 20, calls: 1) { "SELECT id FROM orders WHERE customer_id = \($0)" }
                + traces(route: "/cart", requests: 10, calls: 3) { "SELECT * FROM items WHERE cart_id = \($0 + 100)" }
                + traces(route: "/search", requests: 5, calls: 1, system: "mysql") { "SELECT * FROM products WHERE name = 'x\($0)'" }
            let derived = SpanDerivations.derive(from: &spans)
            _ = try await store.append(IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks(spans), derived: derived.points, statements: derived.statements))
            let reader = FingerprintUsageReader(engine: QueryEngine(store: store, configuration: .init(maxSeries: 100_000)), spans: store)
            let usage = try await reader.usage(from: Self.nowMs - 3_600_000, to: Self.nowMs, nowMs: Self.nowMs)
            #expect(usage.count == 2, "PostgreSQL's fingerprints only")
            let cart = try #require(usage.first { $0.routes.first?.route == "/cart" })
            let cartRoute = try #require(cart.routes.first)
            #expect(cartRoute.service == "shop" && cartRoute.callsPerRequest == 3)
            #expect(abs(cartRoute.p95Ms - 40) < 1 && abs(cartRoute.shareOfP95 - 0.75) < 0.02, "3 × 10 ms of a 40 ms p95")
            #expect(cart.statement.hasPrefix("SELECT * FROM items WHERE cart_id = 1"), "a literal sample from a trace: \(cart.statement)")
            let orders = try #require(usage.first { $0.routes.first?.route == "/customers/{id}/orders" })
            #expect(orders.routes.count == 1 && orders.routes[0].callsPerRequest == 1 && abs(orders.routes[0].shareOfP95 - 0.25) < 0.02)
            #expect(cart.fingerprint != orders.fingerprint)
            // 30 ms of calls per cart request in 10 s windows of one request each: at most ≈ 1 call in flight on average.
            let peak = try await reader.peakConcurrency(from: Self.nowMs - 3_600_000, to: Self.nowMs, nowMs: Self.nowMs)
            #expect(peak == 1)
            #expect(try await reader.peakConcurrency(from: Self.nowMs - 60_000, to: Self.nowMs, nowMs: Self.nowMs) == nil, "no calls in the last minute")
        }
    }
}
