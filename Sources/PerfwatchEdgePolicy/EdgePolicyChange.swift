import Foundation
public import PerfwatchConfig
import PerfwatchModel

/// What one optimization changes in the edge policy: route rules upserted by `match`, and, when set, the
/// compression, the balancing algorithm and upstream weights. Applying it gives the next version;
/// reverting it puts back, in the then-current policy, only the parts it touched (other optimizations
/// applied since stay).
public struct EdgePolicyChange: Sendable, Equatable {
    public var routes: [RouteRule]
    public var compression: CompressionRule?
    public var balancing: EdgePolicy.Balancing?
    public var weights: [String: Int]?
    /// Image rules upserted by `match`.
    public var images: [ImageRule]

    public init(
        routes: [RouteRule] = [], compression: CompressionRule? = nil, balancing: EdgePolicy.Balancing? = nil, weights: [String: Int]? = nil,
        images: [ImageRule] = []
    ) {
        self.routes = routes
        self.compression = compression
        self.balancing = balancing
        self.weights = weights
        self.images = images
    }

    public static let keys = ["routes", "compression", "balancing", "weights", "images"]

    public static func parse(_ node: ConfigNode) throws(ConfigError) -> EdgePolicyChange {
        try node.checkKeys(keys)
        let fields = try EdgePolicy.parse(fieldsOf: node)
        let change = EdgePolicyChange(
            routes: fields.routes, compression: fields.compression, balancing: fields.balancing,
            weights: node["weights"] == nil ? nil : fields.weights, images: fields.images)
        guard !change.isEmpty else { throw node.invalid("a policy change sets at least one of \(keys.joined(separator: ", "))") }
        return change
    }

    public static func parse(json: [UInt8], what: String) throws(ConfigError) -> EdgePolicyChange {
        try parse(ConfigNode.parseJSON(Data(json), rootPath: what))
    }

    public var isEmpty: Bool { routes.isEmpty && compression == nil && balancing == nil && weights == nil && images.isEmpty }

    /// `policy` with this change, as version `version`.
    public func applied(to policy: EdgePolicy, version: Int64) -> EdgePolicy {
        var next = policy
        next.version = version
        for rule in routes {
            if let index = next.routes.firstIndex(where: { $0.match == rule.match }) { next.routes[index] = rule } else { next.routes.append(rule) }
        }
        for rule in images {
            if let index = next.images.firstIndex(where: { $0.match == rule.match }) { next.images[index] = rule } else { next.images.append(rule) }
        }
        if let compression { next.compression = compression }
        if let balancing { next.balancing = balancing }
        if let weights { for (url, weight) in weights { next.weights[url] = weight } }
        return next
    }

    /// `current` with the parts this change touched set back to what they were in `previous` (the policy
    /// it was applied to), as version `version`.
    public func reverted(in current: EdgePolicy, previous: EdgePolicy, version: Int64) -> EdgePolicy {
        var next = current
        next.version = version
        for rule in routes {
            let old = previous.routes.first { $0.match == rule.match }
            if let index = next.routes.firstIndex(where: { $0.match == rule.match }) {
                if let old { next.routes[index] = old } else { next.routes.remove(at: index) }
            } else if let old {
                next.routes.append(old)
            }
        }
        for rule in images {
            let old = previous.images.first { $0.match == rule.match }
            if let index = next.images.firstIndex(where: { $0.match == rule.match }) {
                if let old { next.images[index] = old } else { next.images.remove(at: index) }
            } else if let old {
                next.images.append(old)
            }
        }
        if compression != nil { next.compression = previous.compression }
        if balancing != nil { next.balancing = previous.balancing }
        if let weights { for url in weights.keys { next.weights[url] = previous.weights[url] } }
        return next
    }

    /// One line for people: "cache GET /courses/:id for 1m; compress with br, gzip".
    public var summary: String {
        var parts: [String] = []
        for rule in routes {
            if let cache = rule.cache {
                parts.append("cache \(rule.methods.filter { $0 != "HEAD" }.joined(separator: ", ")) \(rule.match) for \(DurationText.format(milliseconds: cache.ttlMs))")
            } else {
                parts.append("no cache for \(rule.match)")
            }
        }
        for rule in images {
            parts.append("serve \(rule.match) as \(rule.formats.joined(separator: ", ")) at \(rule.widths.map(String.init).joined(separator: ", ")) px")
        }
        if let compression { parts.append("compress \(compression.types.joined(separator: ", ")) with \(compression.algorithms.joined(separator: ", "))") }
        if let balancing { parts.append("balance with \(balancing.rawValue)") }
        if let weights {
            parts.append("weights " + weights.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }
}

extension EdgePolicyChange: Encodable {
    enum Keys: String, CodingKey { case routes, compression, balancing, weights, images }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        if !routes.isEmpty { try container.encode(routes, forKey: .routes) }
        if let value = compression { try container.encode(value, forKey: .compression) }
        if let value = balancing?.rawValue { try container.encode(value, forKey: .balancing) }
        if let value = weights { try container.encode(value, forKey: .weights) }
        if !images.isEmpty { try container.encode(images, forKey: .images) }
    }

    /// The wire form, as stored with an optimization and in an issue's evidence.
    public var jsonText: String { (try? CompactJSONEncoder().encode(self)) ?? "{}" }
    public func jsonBytes() -> [UInt8] { Array(jsonText.utf8) }
}
