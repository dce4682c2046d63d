import PerfwatchStatistics
import Foundation
public import PerfwatchOTLP

/// A workload with known changes for testing the analysis loop, as OTLP trace exports of a
/// small shop API (`shop-api`):
/// - release 1.2.0, deployed at `deployMs`, makes `GET /orders/:id` slower: its order-items
///   query goes from 4 ms to 40 ms per call (same number of calls) — a regression whose root
///   cause is that query;
/// - at `optimizationMs` an index makes the report query of `GET /reports` go from 120 ms to
///   20 ms — an improvement after an applied optimization;
/// - `GET /products` and `POST /cart` never change (the clean controls).
/// Deterministic per seed.
public struct AnalysisScenario: Sendable {
    public static let service = "shop-api"
    public static let releases = ["1.1.0", "1.2.0"]
    public static let regressedRoute = "/orders/:id"
    public static let optimizedRoute = "/reports"
    public static let controlRoutes = ["/products", "/cart"]
    /// The query 1.2.0 made slower.
    public static let regressedQuery = "SELECT * FROM order_items WHERE order_id = 42"
    /// The query the optimization made faster.
    public static let optimizedQuery = "SELECT day, sum(total) FROM orders WHERE shop_id = 42 GROUP BY day"

    struct Route {
        let method: String
        let pattern: String
        let selfMs: Double
        /// (statement, median ms before, median ms after the change that touches it)
        let queries: [(String, Double, Double)]
    }

    static let routes: [Route] = [
        Route(method: "GET", pattern: regressedRoute, selfMs: 10, queries: [
            ("SELECT id, status, total FROM orders WHERE id = 42", 3, 3), (regressedQuery, 4, 40),
        ]),
        Route(method: "GET", pattern: optimizedRoute, selfMs: 15, queries: [(optimizedQuery, 120, 20)]),
        Route(method: "GET", pattern: "/products", selfMs: 20, queries: [("SELECT id, name, price FROM products WHERE category_id = 42 LIMIT 50", 5, 5)]),
        Route(method: "POST", pattern: "/cart", selfMs: 25, queries: [("INSERT INTO cart_items (cart_id, product_id) VALUES (7, 42)", 6, 6)]),
    ]

    public let deployMs: Int64
    public let optimizationMs: Int64
    private var random: SplitMix64

    public init(deployMs: Int64, optimizationMs: Int64, seed: UInt64 = 7) {
        self.deployMs = deployMs
        self.optimizationMs = optimizationMs
        random = SplitMix64(seed: seed)
    }

    /// One export holding `count` requests spread evenly over the routes, starting within `[fromMs, toMs)`.
    public mutating func export(count: Int, fromMs: Int64, toMs: Int64) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var byRelease: [String: [Opentelemetry_Proto_Trace_V1_Span]] = [:]
        for index in 0..<count {
            let startMs = fromMs + Int64(random.unit() * Double(max(toMs - fromMs, 1)))
            let release = startMs >= deployMs ? Self.releases[1] : Self.releases[0]
            let route = Self.routes[index % Self.routes.count]
            byRelease[release, default: []].append(contentsOf: trace(route, startMs: startMs, release: release))
        }
        return DemoWorkload.request(service: Self.service, scope: "perfwatch-analysis-scenario", spansByRelease: byRelease)
    }

    mutating func trace(_ route: Route, startMs: Int64, release: String) -> [Opentelemetry_Proto_Trace_V1_Span] {
        let traceID = Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
        let rootID = spanID()
        let startNs = UInt64(startMs) * 1_000_000
        var cursor = startNs + UInt64(random.logNormal(median: 1, sigma: 0.3) * 1e6)
        var children: [Opentelemetry_Proto_Trace_V1_Span] = []
        for (statement, before, after) in route.queries {
            let changed = (statement == Self.regressedQuery && release == Self.releases[1])
                || (statement == Self.optimizedQuery && startMs >= optimizationMs)
            let duration = UInt64(random.logNormal(median: changed ? after : before, sigma: 0.3) * 1e6)
            var span = Opentelemetry_Proto_Trace_V1_Span()
            span.traceID = traceID
            span.spanID = spanID()
            span.parentSpanID = rootID
            span.name = String(statement.split(separator: " ").first ?? "query") + " " + DemoWorkload.table(of: statement)
            span.kind = .client
            span.startTimeUnixNano = cursor
            span.endTimeUnixNano = cursor + duration
            span.attributes = [
                DemoWorkload.attribute("db.system", "postgresql"),
                DemoWorkload.attribute("db.statement", DemoWorkload.withFreshLiterals(statement, &random)),
            ]
            children.append(span)
            cursor += duration + UInt64(random.unit() * 0.3e6)
        }
        cursor += UInt64(random.logNormal(median: route.selfMs, sigma: 0.4) * 1e6)
        var root = DemoWorkload.serverSpan(
            traceID: traceID, spanID: rootID, name: "\(route.method) \(route.pattern)", startNs: startNs, endNs: cursor)
        root.attributes = [
            DemoWorkload.attribute("http.request.method", route.method), DemoWorkload.attribute("http.route", route.pattern),
            DemoWorkload.attribute("http.response.status_code", 200),
        ]
        return [root] + children
    }

    mutating func spanID() -> Data { Data((0..<8).map { _ in UInt8.random(in: 0...255, using: &random) }) }
}
