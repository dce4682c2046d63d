import PerfwatchStatistics
import Foundation
public import PerfwatchOTLP

/// A small learning platform's traffic, as OTLP trace exports: several routes, a database
/// behind each, one route with an N+1 query pattern, one slow search query, occasional checkout
/// errors, and two releases (the second makes course pages slower). Deterministic per seed, so
/// tests can rely on its shape.
public struct DemoWorkload: Sendable {
    public struct Route: Sendable {
        public let method: String
        public let pattern: String
        public let weight: Double
        /// Typical own time in ms (log-normal median).
        public let selfMs: Double
        public let queries: [Query]
        public let errorRate: Double
    }

    public struct Query: Sendable {
        public let statement: String
        public let medianMs: Double
        /// How many times one request runs it (N+1 shows up as a large number).
        public let repeats: Int
    }

    public static let service = "learnhub-web"
    public static let releases = ["1.4.0", "1.5.0"]

    public static let routes: [Route] = [
        Route(method: "GET", pattern: "/courses", weight: 0.30, selfMs: 12, queries: [
            Query(statement: "SELECT id, title, price FROM courses WHERE published = true ORDER BY rank LIMIT 20", medianMs: 4, repeats: 1),
        ], errorRate: 0.002),
        Route(method: "GET", pattern: "/courses/:id", weight: 0.25, selfMs: 15, queries: [
            Query(statement: "SELECT * FROM courses WHERE id = 42", medianMs: 2, repeats: 1),
            // The N+1: one query per lesson instead of one query for all of them.
            Query(statement: "SELECT * FROM lessons WHERE course_id = 42 AND position = 7", medianMs: 3, repeats: 12),
        ], errorRate: 0.003),
        Route(method: "POST", pattern: "/login", weight: 0.15, selfMs: 45, queries: [
            Query(statement: "SELECT id, password_hash FROM users WHERE email = 'ana@example.com'", medianMs: 3, repeats: 1),
            Query(statement: "INSERT INTO sessions (user_id, token) VALUES (17, 'abc')", medianMs: 5, repeats: 1),
        ], errorRate: 0.01),
        Route(method: "GET", pattern: "/search", weight: 0.15, selfMs: 20, queries: [
            // The slow query: a leading-wildcard LIKE that cannot use an index.
            Query(statement: "SELECT id, title FROM lessons WHERE body LIKE '%swift concurrency%' ORDER BY updated_at DESC", medianMs: 320, repeats: 1),
        ], errorRate: 0.004),
        Route(method: "POST", pattern: "/checkout", weight: 0.10, selfMs: 80, queries: [
            Query(statement: "SELECT price FROM courses WHERE id IN (1, 2, 3)", medianMs: 4, repeats: 1),
            Query(statement: "INSERT INTO orders (user_id, total) VALUES (17, 49.0)", medianMs: 9, repeats: 1),
        ], errorRate: 0.06),
        Route(method: "GET", pattern: "/api/progress", weight: 0.05, selfMs: 6, queries: [
            Query(statement: "SELECT lesson_id, done FROM progress WHERE user_id = 17", medianMs: 2, repeats: 1),
        ], errorRate: 0.001),
    ]

    private var random: SplitMix64

    public init(seed: UInt64 = 42) { random = SplitMix64(seed: seed) }

    /// One export request holding `count` traces whose requests start within `[fromMs, toMs)`.
    /// Requests after `releaseSwitchMs` run the second release.
    public mutating func export(count: Int, fromMs: Int64, toMs: Int64, releaseSwitchMs: Int64) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var byRelease: [String: [Opentelemetry_Proto_Trace_V1_Span]] = [:]
        for _ in 0..<count {
            let startMs = fromMs + Int64(random.unit() * Double(max(toMs - fromMs, 1)))
            let release = startMs >= releaseSwitchMs ? Self.releases[1] : Self.releases[0]
            byRelease[release, default: []].append(contentsOf: trace(startMs: startMs, release: release))
        }
        return Self.request(
            service: Self.service, scope: "perfwatch-demo", spansByRelease: byRelease,
            extraResource: [Self.attribute("deployment.environment.name", "demo")])
    }

    /// One export: a resource per release of `service` (ordered by release), its spans in one scope.
    /// Every generator here (demo, analysis scenario, signals workload) builds its exports this way.
    static func request(
        service: String, scope scopeName: String, spansByRelease: [String: [Opentelemetry_Proto_Trace_V1_Span]],
        extraResource: [Opentelemetry_Proto_Common_V1_KeyValue] = []
    ) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        for (release, spans) in spansByRelease.sorted(by: { $0.key < $1.key }) {
            var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
            resourceSpans.resource.attributes = [attribute("service.name", service), attribute("service.version", release)] + extraResource
            var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
            scope.scope.name = scopeName
            scope.spans = spans
            resourceSpans.scopeSpans = [scope]
            request.resourceSpans.append(resourceSpans)
        }
        return request
    }

    /// The spans of one request: the SERVER span, its database CLIENT spans in sequence, and a
    /// render span.
    mutating func trace(startMs: Int64, release: String) -> [Opentelemetry_Proto_Trace_V1_Span] {
        let route = pickRoute()
        let traceID = Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
        let rootID = spanID()
        let startNs = UInt64(startMs) * 1_000_000
        var cursor = startNs + UInt64(random.logNormal(median: 1.5, sigma: 0.4) * 1e6)
        var children: [Opentelemetry_Proto_Trace_V1_Span] = []
        // The second release made course pages slower: a bigger lesson query.
        let slowdown = release == Self.releases[1] && route.pattern == "/courses/:id" ? 1.8 : 1.0
        for query in route.queries {
            for _ in 0..<query.repeats {
                let duration = UInt64(random.logNormal(median: query.medianMs * slowdown, sigma: 0.35) * 1e6)
                var span = Opentelemetry_Proto_Trace_V1_Span()
                span.traceID = traceID
                span.spanID = spanID()
                span.parentSpanID = rootID
                span.name = query.statement.split(separator: " ").first.map { String($0) + " " } .map { $0 + Self.table(of: query.statement) } ?? "query"
                span.kind = .client
                span.startTimeUnixNano = cursor
                span.endTimeUnixNano = cursor + duration
                span.attributes = [
                    Self.attribute("db.system", "postgresql"), Self.attribute("db.statement", Self.withFreshLiterals(query.statement, &random)),
                ]
                children.append(span)
                cursor += duration + UInt64(random.unit() * 0.4e6)
            }
        }
        let renderMs = random.logNormal(median: route.selfMs, sigma: 0.5)
        var render = Opentelemetry_Proto_Trace_V1_Span()
        render.traceID = traceID
        render.spanID = spanID()
        render.parentSpanID = rootID
        render.name = "render"
        render.kind = .internal
        render.startTimeUnixNano = cursor
        render.endTimeUnixNano = cursor + UInt64(renderMs * 1e6)
        children.append(render)
        cursor = render.endTimeUnixNano + UInt64(random.unit() * 0.5e6)

        let failed = random.unit() < route.errorRate
        var root = Self.serverSpan(traceID: traceID, spanID: rootID, name: "\(route.method) \(route.pattern)", startNs: startNs, endNs: cursor)
        let concrete = route.pattern.replacingOccurrences(of: ":id", with: String(Int.random(in: 1...500, using: &random)))
        root.attributes = [
            Self.attribute("http.request.method", route.method), Self.attribute("http.route", route.pattern),
            Self.attribute("url.path", concrete), Self.attribute("http.response.status_code", failed ? 500 : 200),
        ]
        if failed {
            root.status.code = .error
            root.status.message = "upstream payment provider timed out"
            var event = Opentelemetry_Proto_Trace_V1_Span.Event()
            event.name = "exception"
            event.timeUnixNano = cursor
            event.attributes = [Self.attribute("exception.type", "PaymentTimeout"), Self.attribute("exception.message", "timed out after 3 s")]
            root.events = [event]
        }
        return [root] + children
    }

    mutating func pickRoute() -> Route {
        var target = random.unit() * Self.routes.reduce(0) { $0 + $1.weight }
        for route in Self.routes {
            target -= route.weight
            if target <= 0 { return route }
        }
        return Self.routes[0]
    }

    mutating func spanID() -> Data { Data((0..<8).map { _ in UInt8.random(in: 0...255, using: &random) }) }

    static func table(of statement: String) -> String {
        let words = statement.split(separator: " ")
        if let index = words.firstIndex(where: { $0 == "FROM" || $0 == "INTO" }), index + 1 < words.count { return String(words[index + 1]) }
        return ""
    }

    /// Real drivers send literals that differ per call; fingerprints must fold them together.
    static func withFreshLiterals(_ statement: String, _ random: inout SplitMix64) -> String {
        statement.replacingOccurrences(of: "= 42", with: "= \(Int.random(in: 1...999, using: &random))")
            .replacingOccurrences(of: "= 7", with: "= \(Int.random(in: 1...30, using: &random))")
    }

    /// A request's SERVER span (attributes and status are the caller's).
    static func serverSpan(traceID: Data, spanID: Data, name: String, startNs: UInt64, endNs: UInt64) -> Opentelemetry_Proto_Trace_V1_Span {
        var span = Opentelemetry_Proto_Trace_V1_Span()
        span.traceID = traceID
        span.spanID = spanID
        span.name = name
        span.kind = .server
        span.startTimeUnixNano = startNs
        span.endTimeUnixNano = endNs
        return span
    }

    static func attribute(_ key: String, _ value: String) -> Opentelemetry_Proto_Common_V1_KeyValue { .string(key, value) }

    static func attribute(_ key: String, _ value: Int64) -> Opentelemetry_Proto_Common_V1_KeyValue { .int(key, value) }
}


extension SplitMix64 {
    /// Log-normal around `median` (Box–Muller), the shape of request latencies.
    mutating func logNormal(median: Double, sigma: Double) -> Double {
        let u1 = max(unit(), 1e-12)
        let u2 = unit()
        let normal = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        return median * exp(sigma * normal)
    }
}
