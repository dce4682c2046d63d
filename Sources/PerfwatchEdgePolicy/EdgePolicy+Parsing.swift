import Foundation
public import PerfwatchConfig
import PerfwatchModel

extension EdgePolicy {
    /// The keys of a policy; an edge's configuration file has these beside its own.
    public static let keys = ["version", "balancing", "compression", "routes", "weights", "images"]

    /// A whole policy document (the server's wire form, `PUT /api/v1/edge/policy`): unknown keys refused.
    public static func parse(_ node: ConfigNode) throws(ConfigError) -> EdgePolicy {
        try node.checkKeys(keys)
        return try parse(fieldsOf: node)
    }

    /// The policy keys of a mapping that may hold others (an edge's configuration file); the caller checks
    /// the keys.
    public static func parse(fieldsOf node: ConfigNode) throws(ConfigError) -> EdgePolicy {
        var policy = EdgePolicy()
        if let version = node["version"] { policy.version = Int64(try version.int(min: 0)) }
        if let balancing = node["balancing"] { policy.balancing = try parseBalancing(balancing) }
        if let compression = node["compression"] { policy.compression = try CompressionRule.parse(compression) }
        if let routes = node["routes"] {
            policy.routes = try routes.sequence().map { item throws(ConfigError) in try RouteRule.parse(item) }
        }
        if let weights = node["weights"] { policy.weights = try parseWeights(weights) }
        if let images = node["images"] {
            policy.images = try images.sequence().map { item throws(ConfigError) in try ImageRule.parse(item) }
        }
        return policy
    }

    /// A JSON policy document; `what` names it in errors ("policy", "server policy").
    public static func parse(json: [UInt8], what: String) throws(ConfigError) -> EdgePolicy {
        try parse(ConfigNode.parseJSON(Data(json), rootPath: what))
    }

    static func parseBalancing(_ node: ConfigNode) throws(ConfigError) -> Balancing {
        let text = try node.string()
        guard let balancing = Balancing(rawValue: text) else {
            throw node.invalid("unknown balancing \"\(text)\"; valid: \(Balancing.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return balancing
    }

    static func parseWeights(_ node: ConfigNode) throws(ConfigError) -> [String: Int] {
        var weights: [String: Int] = [:]
        for (url, value) in try node.mapping() {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw value.invalid("weights are keyed by upstream URL (http://host:port), got \"\(url)\"")
            }
            let weight = try value.int(min: 0)
            guard weight <= 100 else { throw value.invalid("a weight is 0...100, got \(weight)") }
            weights[url] = weight
        }
        return weights
    }
}

extension RouteRule {
    static let keys = ["match", "methods", "cache"]
    static let knownMethods: Set = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    public static func parse(_ node: ConfigNode) throws(ConfigError) -> RouteRule {
        try node.checkKeys(keys)
        var rule = RouteRule(match: try parseMatch(node))
        if let methodsNode = node["methods"] {
            let methods = try methodsNode.stringList().map { $0.uppercased() }
            if let unknown = methods.first(where: { !knownMethods.contains($0) }) {
                throw methodsNode.invalid("unknown method \"\(unknown)\"; valid: \(knownMethods.sorted().joined(separator: ", "))")
            }
            guard !methods.isEmpty else { throw methodsNode.invalid("at least one method") }
            rule.methods = methods
        }
        if let cache = node["cache"] {
            rule.cache = try CacheRule.parse(cache)
            if let unsafe = rule.methods.first(where: { $0 != "GET" && $0 != "HEAD" }) {
                throw (node["methods"] ?? node).invalid("only GET and HEAD responses are cached; \(unsafe) cannot have a cache rule")
            }
        }
        return rule
    }
}

extension RouteRule {
    /// A rule's `match`: a route pattern (`/courses/:id`) or a path prefix ending in `*` (`/static/*`).
    static func parseMatch(_ node: ConfigNode) throws(ConfigError) -> String {
        let matchNode = try node.required("match")
        let match = try matchNode.string()
        guard match.hasPrefix("/"), !match.contains(where: { $0 == " " || $0 == "\t" || $0 == "?" }) else {
            throw matchNode.invalid("a match is a route pattern like /courses/:id or a path prefix like /static/*, got \"\(match)\"")
        }
        if let star = match.firstIndex(of: "*"), star != match.index(before: match.endIndex) {
            throw matchNode.invalid("\"*\" may only end a match (/static/*), got \"\(match)\"")
        }
        return match
    }
}

extension ImageRule {
    static let keys = [
        "match", "formats", "widths", "default_width", "bad_width", "quality", "avif_quality", "max_pixels", "max_bytes", "ttl",
    ]

    public static func parse(_ node: ConfigNode) throws(ConfigError) -> ImageRule {
        try node.checkKeys(keys)
        var rule = ImageRule(match: try RouteRule.parseMatch(node))
        if let formatsNode = node["formats"] {
            let formats = try formatsNode.stringList().map { $0.lowercased() }
            if let unknown = formats.first(where: { !knownFormats.contains($0) }) {
                throw formatsNode.invalid(
                    "unknown format \"\(unknown)\"; valid: \(knownFormats.joined(separator: ", ")) (others get the original format)")
            }
            rule.formats = formats
        }
        if let widthsNode = node["widths"] {
            let items = try widthsNode.sequence()
            guard !items.isEmpty else { throw widthsNode.invalid("a list of at least one width in pixels") }
            var widths: [Int] = []
            for item in items {
                let width = try item.int(min: 1)
                guard width <= 16_384 else { throw item.invalid("a width is 1...16384 pixels, got \(width)") }
                widths.append(width)
            }
            rule.widths = Array(Set(widths)).sorted()
        }
        if let width = node["default_width"] {
            let value = try width.int(min: 1)
            guard value <= 16_384 else { throw width.invalid("a width is 1...16384 pixels, got \(value)") }
            rule.defaultWidth = value
        }
        if let badWidth = node["bad_width"] {
            let text = try badWidth.string()
            guard let value = BadWidth(rawValue: text) else {
                throw badWidth.invalid("unknown bad_width \"\(text)\"; valid: \(BadWidth.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            rule.badWidth = value
        }
        let qualities: [(String, WritableKeyPath<ImageRule, Int>)] = [("quality", \.quality), ("avif_quality", \.avifQuality)]
        for (key, path) in qualities {
            guard let qualityNode = node[key] else { continue }
            let value = try qualityNode.int(min: 1)
            guard value <= 100 else { throw qualityNode.invalid("a quality is 1...100, got \(value)") }
            rule[keyPath: path] = value
        }
        if let pixels = node["max_pixels"] { rule.maxPixels = try pixels.int(min: 1) }
        if let bytes = node["max_bytes"] { rule.maxBytes = try bytes.int(min: 1) }
        if let ttl = node["ttl"] { rule.ttlMs = try ttl.duration().wholeMilliseconds }
        return rule
    }
}

extension CacheRule {
    static let keys = ["ttl", "override", "vary", "ignore_cookies", "allow_authorized", "stale_while_revalidate", "stale_if_error"]

    public static func parse(_ node: ConfigNode) throws(ConfigError) -> CacheRule {
        try node.checkKeys(keys)
        var rule = CacheRule(ttlMs: 0)
        if let ttl = node["ttl"] { rule.ttlMs = try ttl.duration().wholeMilliseconds }
        if let override = node["override"] { rule.override = try override.bool() }
        if rule.override && rule.ttlMs <= 0 { throw (node["override"] ?? node).invalid("override needs a ttl above 0") }
        if let vary = node["vary"] { rule.vary = try vary.stringList().map { $0.lowercased() } }
        if let cookies = node["ignore_cookies"] { rule.ignoreCookies = try cookies.bool() }
        if let authorized = node["allow_authorized"] { rule.allowAuthorized = try authorized.bool() }
        if let swr = node["stale_while_revalidate"] { rule.staleWhileRevalidateMs = try swr.duration().wholeMilliseconds }
        if let sie = node["stale_if_error"] { rule.staleIfErrorMs = try sie.duration().wholeMilliseconds }
        return rule
    }
}

extension CompressionRule {
    static let keys = ["algorithms", "types", "min_bytes"]

    /// A mapping, or `true` for the defaults; `false` (or null) is no compression.
    public static func parse(_ node: ConfigNode) throws(ConfigError) -> CompressionRule? {
        if case .scalar = node.value { return try node.bool() ? CompressionRule() : nil }
        try node.checkKeys(keys)
        var rule = CompressionRule()
        if let algorithmsNode = node["algorithms"] {
            let algorithms = try algorithmsNode.stringList().map { $0.lowercased() }
            if let unknown = algorithms.first(where: { !knownAlgorithms.contains($0) }) {
                throw algorithmsNode.invalid("unknown algorithm \"\(unknown)\"; valid: \(knownAlgorithms.joined(separator: ", "))")
            }
            guard !algorithms.isEmpty else { throw algorithmsNode.invalid("at least one algorithm") }
            rule.algorithms = algorithms
        }
        if let typesNode = node["types"] {
            let types = try typesNode.stringList().map { $0.lowercased() }
            if let bad = types.first(where: { !$0.contains("/") || $0.contains(";") }) {
                throw typesNode.invalid("a type is like text/css or text/*, without parameters; got \"\(bad)\"")
            }
            rule.types = types
        }
        if let minBytes = node["min_bytes"] { rule.minBytes = try minBytes.int(min: 0) }
        return rule
    }
}
