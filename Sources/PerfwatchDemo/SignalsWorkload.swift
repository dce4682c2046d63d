import PerfwatchStatistics
import Foundation
public import PerfwatchOTLP

/// A shop's traffic with one known problem per route for the trace- and series-reading
/// analyzers, as OTLP trace exports (deterministic per seed):
/// - `GET /reports` — slow (≈ 1.1 s) and dominated by one database query (bottleneck: database);
/// - `GET /dashboard` — three calls to different HTTP services one after another (parallelizable);
/// - `GET /catalog` — a Redis lookup per request that hits half the time, with a database query
///   on a miss (`cache.hit` attribute; cache hit ratio 50%);
/// - `GET /profile` — normal except during `anomaly`, when it is 4× slower (an anomaly spike);
/// - `GET /export` — its latency grows steadily from `trendStartMs` (+20 ms an hour: a trend);
/// - `GET /home`, `POST /cart` — clean controls (fast, one query each, cache writes without outcome).
public struct SignalsWorkload: Sendable {
    public static let service = "signals-shop"

    public enum Route: String, CaseIterable, Sendable {
        case reports = "/reports", dashboard = "/dashboard", catalog = "/catalog", profile = "/profile", export = "/export"
        case home = "/home", cart = "/cart"

        public var method: String { self == .cart ? "POST" : "GET" }
    }

    public var anomaly: Range<Int64> = 0..<0
    public var trendStartMs: Int64 = 0
    private var random: SplitMix64

    public init(seed: UInt64 = 7) { random = SplitMix64(seed: seed) }

    /// `perRoute` requests of every route, spread evenly (with jitter) over `[fromMs, toMs)`.
    public mutating func export(fromMs: Int64, toMs: Int64, perRoute: Int) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var spans: [Opentelemetry_Proto_Trace_V1_Span] = []
        let length = Double(max(toMs - fromMs, 1))
        for index in 0..<perRoute {
            for route in Route.allCases {
                let startMs = fromMs + Int64((Double(index) + random.unit()) / Double(perRoute) * length)
                spans += trace(route, startMs: min(startMs, toMs - 1))
            }
        }
        return DemoWorkload.request(service: Self.service, scope: "perfwatch-signals", spansByRelease: ["2.0.0": spans])
    }

    struct Builder {
        let traceID: Data
        let rootID: Data
        var cursorNs: UInt64
        var children: [Opentelemetry_Proto_Trace_V1_Span] = []

        mutating func child(
            _ name: String, kind: Opentelemetry_Proto_Trace_V1_Span.SpanKind, ms: Double, gapMs: Double, id: Data,
            attributes: [Opentelemetry_Proto_Common_V1_KeyValue]
        ) {
            var span = Opentelemetry_Proto_Trace_V1_Span()
            span.traceID = traceID
            span.spanID = id
            span.parentSpanID = rootID
            span.name = name
            span.kind = kind
            span.startTimeUnixNano = cursorNs
            span.endTimeUnixNano = cursorNs + UInt64(ms * 1e6)
            span.attributes = attributes
            children.append(span)
            cursorNs = span.endTimeUnixNano + UInt64(gapMs * 1e6)
        }

        mutating func own(_ ms: Double) { cursorNs += UInt64(ms * 1e6) }
    }

    static func db(_ statement: String) -> [Opentelemetry_Proto_Common_V1_KeyValue] {
        [DemoWorkload.attribute("db.system", "postgresql"), DemoWorkload.attribute("db.statement", statement)]
    }

    static func redis(_ command: String, hit: Bool?) -> [Opentelemetry_Proto_Common_V1_KeyValue] {
        var attributes = [DemoWorkload.attribute("db.system", "redis"), DemoWorkload.attribute("db.operation", command)]
        if let hit { attributes.append(DemoWorkload.attribute("cache.hit", hit ? "true" : "false")) }
        return attributes
    }

    static func http(_ host: String, _ path: String) -> [Opentelemetry_Proto_Common_V1_KeyValue] {
        [
            DemoWorkload.attribute("http.request.method", "GET"), DemoWorkload.attribute("server.address", host),
            DemoWorkload.attribute("url.full", "http://\(host)\(path)"), DemoWorkload.attribute("http.response.status_code", 200),
        ]
    }

    mutating func trace(_ route: Route, startMs: Int64) -> [Opentelemetry_Proto_Trace_V1_Span] {
        let traceID = Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
        let rootID = spanID()
        let startNs = UInt64(startMs) * 1_000_000
        var builder = Builder(traceID: traceID, rootID: rootID, cursorNs: startNs + UInt64(random.logNormal(median: 1, sigma: 0.3) * 1e6))
        func ms(_ median: Double, _ sigma: Double = 0.25) -> Double { random.logNormal(median: median, sigma: sigma) }
        switch route {
        case .reports:
            builder.child("SELECT orders", kind: .client, ms: ms(1100, 0.2), gapMs: 0.3, id: spanID(),
                attributes: Self.db("SELECT date, SUM(total) FROM orders WHERE created_at > '2026-01-01' GROUP BY date"))
            builder.own(ms(25))
        case .dashboard:
            for (host, path) in [("users-api", "/me"), ("billing-api", "/invoices"), ("notify-api", "/unread")] {
                builder.child("GET", kind: .client, ms: ms(40), gapMs: 0.2, id: spanID(), attributes: Self.http(host, path))
            }
            builder.own(ms(8))
        case .catalog:
            let hit = random.unit() < 0.5
            builder.child("GET", kind: .client, ms: ms(0.8), gapMs: 0.1, id: spanID(), attributes: Self.redis("GET", hit: hit))
            if !hit {
                builder.child("SELECT products", kind: .client, ms: ms(30), gapMs: 0.2, id: spanID(),
                    attributes: Self.db("SELECT id, name, price FROM products WHERE category_id = 3"))
                builder.child("SET", kind: .client, ms: ms(0.8), gapMs: 0.1, id: spanID(), attributes: Self.redis("SET", hit: nil))
            }
            builder.own(ms(8))
        case .profile:
            let slow = anomaly.contains(startMs) ? 4.0 : 1.0
            builder.child("SELECT users", kind: .client, ms: ms(4), gapMs: 0.2, id: spanID(),
                attributes: Self.db("SELECT id, name FROM users WHERE id = 5"))
            builder.own(ms(30 * slow))
        case .export:
            let hours = max(0, Double(startMs - trendStartMs) / 3_600_000)
            builder.child("SELECT invoices", kind: .client, ms: ms(20), gapMs: 0.2, id: spanID(),
                attributes: Self.db("SELECT * FROM invoices WHERE account_id = 9"))
            builder.own(ms(200 + 20 * hours, 0.15))
        case .home:
            builder.child("SELECT banners", kind: .client, ms: ms(3), gapMs: 0.2, id: spanID(),
                attributes: Self.db("SELECT id, image FROM banners WHERE active = true"))
            builder.own(ms(15))
        case .cart:
            builder.child("INSERT cart_items", kind: .client, ms: ms(6), gapMs: 0.2, id: spanID(),
                attributes: Self.db("INSERT INTO cart_items (cart_id, product_id) VALUES (1, 2)"))
            builder.child("SET", kind: .client, ms: ms(0.8), gapMs: 0.1, id: spanID(), attributes: Self.redis("SET", hit: nil))
            builder.own(ms(20))
        }
        var root = DemoWorkload.serverSpan(
            traceID: traceID, spanID: rootID, name: "\(route.method) \(route.rawValue)", startNs: startNs, endNs: builder.cursorNs)
        root.attributes = [
            DemoWorkload.attribute("http.request.method", route.method), DemoWorkload.attribute("http.route", route.rawValue),
            DemoWorkload.attribute("url.path", route.rawValue), DemoWorkload.attribute("http.response.status_code", 200),
        ]
        return [root] + builder.children
    }

    mutating func spanID() -> Data { Data((0..<8).map { _ in UInt8.random(in: 0...255, using: &random) }) }
}
