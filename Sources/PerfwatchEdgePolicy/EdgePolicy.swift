import Foundation

/// What an edge applies on top of plain proxying: route cache rules, compression, the balancing
/// algorithm and upstream weights. The server versions it (`version`); an edge merges the server's
/// policy over its local one (`merged(over:)`). The wire form is JSON (`jsonBytes()`), read back with
/// `parse(json:what:)`; a local file is YAML or JSON read with the same `parse(_:)`, so the two never
/// disagree on a field (docs/edge.md#policies).
public struct EdgePolicy: Sendable, Equatable {
    public enum Balancing: String, Sendable, CaseIterable {
        case roundRobin = "round_robin"
        case leastRequests = "least_requests"
        case p2cEWMA = "p2c_ewma"
    }

    /// 0 = local only (the server has published nothing, or the edge runs without a server).
    public var version: Int64
    /// nil = keep the edge's configured algorithm.
    public var balancing: Balancing?
    /// nil = no compression by the edge.
    public var compression: CompressionRule?
    /// First match wins, in order.
    public var routes: [RouteRule]
    /// Upstream URL → weight 0...100; an absent upstream weighs 100, 0 sends it no traffic.
    public var weights: [String: Int]
    /// Image transforms by path (issue 17); first match wins, in order.
    public var images: [ImageRule]

    public init(
        version: Int64 = 0, balancing: Balancing? = nil, compression: CompressionRule? = nil, routes: [RouteRule] = [],
        weights: [String: Int] = [:], images: [ImageRule] = []
    ) {
        self.version = version
        self.balancing = balancing
        self.compression = compression
        self.routes = routes
        self.weights = weights
        self.images = images
    }

    /// The image rule for a GET or HEAD of this route or path, if any.
    public func imageRule(forRoute route: String, path: String, method: String) -> ImageRule? {
        guard method == "GET" || method == "HEAD" else { return nil }
        return images.first { RouteRule.matches(pattern: $0.match, route: route, path: path) }
    }

    /// The rule for a request, the first whose `match` fits the route or the path and whose methods include it.
    public func rule(forRoute route: String, path: String, method: String) -> RouteRule? {
        routes.first { $0.matches(route: route, path: path, method: method) }
    }

    /// The rule for a route pattern alone (the path taken to be the route).
    public func rule(forRoute route: String, method: String) -> RouteRule? {
        rule(forRoute: route, path: route, method: method)
    }

    /// This (server) policy over a `local` one: the server's route rules first, then the local rules
    /// whose `match` the server does not name; the server's balancing, compression and weights win
    /// where it sets them. The version is the server's.
    public func merged(over local: EdgePolicy) -> EdgePolicy {
        let named = Set(routes.map(\.match))
        let namedImages = Set(images.map(\.match))
        var weights = local.weights
        for (url, weight) in self.weights { weights[url] = weight }
        return EdgePolicy(
            version: version, balancing: balancing ?? local.balancing, compression: compression ?? local.compression,
            routes: routes + local.routes.filter { !named.contains($0.match) }, weights: weights,
            images: images + local.images.filter { !namedImages.contains($0.match) })
    }
}

/// What to do for requests that match one route pattern (`/courses/:id`) or path glob (`/static/*`).
public struct RouteRule: Sendable, Equatable {
    public var match: String
    /// Upper-case method names; default GET and HEAD.
    public var methods: [String]
    public var cache: CacheRule?

    public static let defaultMethods = ["GET", "HEAD"]

    public init(match: String, methods: [String] = RouteRule.defaultMethods, cache: CacheRule? = nil) {
        self.match = match
        self.methods = methods
        self.cache = cache
    }

    /// A glob (`/static/*`) matches paths by prefix; a pattern matches the route name exactly, or the
    /// concrete path segment by segment with `:name` segments matching any one non-empty segment.
    public func matches(route: String, path: String, method: String) -> Bool {
        methods.contains(method) && Self.matches(pattern: match, route: route, path: path)
    }

    /// A `match` against a route and path, as route rules and image rules use it.
    static func matches(pattern match: String, route: String, path: String) -> Bool {
        if match.hasSuffix("*") { return path.hasPrefix(match.dropLast()) }
        if match == route { return true }
        let pattern = match.split(separator: "/", omittingEmptySubsequences: false)
        let pathOnly = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let segments = pathOnly.split(separator: "/", omittingEmptySubsequences: false)
        guard pattern.count == segments.count else { return false }
        for (expected, actual) in zip(pattern, segments) {
            if expected.hasPrefix(":") { if actual.isEmpty { return false } } else if expected != actual { return false }
        }
        return true
    }
}

/// Shared-cache rules for one route (RFC 9111 decides; these widen or narrow it).
public struct CacheRule: Sendable, Equatable {
    /// Freshness when the upstream gives none; with `override`, always.
    public var ttlMs: Int64
    /// Ignore the upstream's `no-cache`/`max-age` (never its `no-store`/`private` unless `allowAuthorized`/`ignoreCookies` say so).
    public var override: Bool
    /// Extra request headers in the cache key, lower-cased.
    public var vary: [String]
    /// Store and serve even when the request carries `Cookie`.
    public var ignoreCookies: Bool
    /// Requests with `Authorization` may be served from, and stored in, the cache.
    public var allowAuthorized: Bool
    public var staleWhileRevalidateMs: Int64
    public var staleIfErrorMs: Int64

    public init(
        ttlMs: Int64, override: Bool = false, vary: [String] = [], ignoreCookies: Bool = false, allowAuthorized: Bool = false,
        staleWhileRevalidateMs: Int64 = 0, staleIfErrorMs: Int64 = 0
    ) {
        self.ttlMs = ttlMs
        self.override = override
        self.vary = vary.map { $0.lowercased() }
        self.ignoreCookies = ignoreCookies
        self.allowAuthorized = allowAuthorized
        self.staleWhileRevalidateMs = staleWhileRevalidateMs
        self.staleIfErrorMs = staleIfErrorMs
    }
}

/// On-the-fly compression of responses the upstream sent uncompressed.
public struct CompressionRule: Sendable, Equatable {
    public static let knownAlgorithms = ["br", "gzip"]
    public static let defaultTypes = [
        "text/*", "application/javascript", "application/json", "image/svg+xml", "application/xml",
    ]

    /// Preference order, a subset of `knownAlgorithms`.
    public var algorithms: [String]
    /// Content types without parameters; `text/*` covers every text type.
    public var types: [String]
    public var minBytes: Int

    public init(algorithms: [String] = CompressionRule.knownAlgorithms, types: [String] = CompressionRule.defaultTypes, minBytes: Int = 1024) {
        self.algorithms = algorithms
        self.types = types
        self.minBytes = minBytes
    }

    /// Whether a response of this content type (parameters allowed) is one to compress.
    public func covers(contentType: String) -> Bool {
        let type = MediaType.essence(contentType)
        guard !type.isEmpty else { return false }
        return types.contains { pattern in
            pattern.hasSuffix("/*") ? type.hasPrefix(pattern.dropLast()) : pattern == type
        }
    }
}
