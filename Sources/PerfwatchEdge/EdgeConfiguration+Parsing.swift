import Foundation
public import PerfwatchConfig
import PerfwatchEdgePolicy
import PerfwatchModel

extension EdgeConfiguration {
    /// The edge's own keys, then the local policy's (`EdgePolicy.keys` without `version`: one list, so a
    /// policy key added there is accepted here too).
    static let keys = [
        "listen", "server", "upstreams", "balancing", "name", "service", "api_key", "health", "limits", "timeouts",
        "admin_listen",
    ] + EdgePolicy.keys.filter { $0 != "version" && $0 != "balancing" }

    /// Reads an edge config file (YAML or JSON); every problem is `file:line: field: problem`.
    public static func load(file: String) throws(ConfigError) -> EdgeConfiguration {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(code: "config_unreadable", message: "cannot read the edge configuration file", file: file)
        }
        return try parse(ConfigNode.parseYAML(text, file: file))
    }

    public static func parse(_ root: ConfigNode) throws(ConfigError) -> EdgeConfiguration {
        var configuration = EdgeConfiguration()
        if root.isNull { return configuration }
        try root.checkKeys(keys)
        if let node = root["listen"] { (configuration.listenHost, configuration.listenPort) = try address(node) }
        if let node = root["server"] { configuration.server = try httpURL(node) }
        if let node = root["upstreams"] {
            configuration.upstreams = try node.sequence().map { item throws(ConfigError) in try httpURL(item) }
        }
        if let node = root["balancing"] { configuration.balancing = try balancing(node) }
        if let node = root["name"] { configuration.name = try node.string() }
        if let node = root["service"] { configuration.service = try node.string() }
        if let node = root["api_key"] { configuration.apiKey = try node.string() }
        if let node = root["health"] { configuration.health = try health(node) }
        if let node = root["limits"] { configuration.limits = try limits(node) }
        if let node = root["timeouts"] { configuration.timeouts = try timeouts(node) }
        if let node = root["admin_listen"] { configuration.adminListen = try address(node) }
        configuration.localPolicy = try EdgePolicy.parse(fieldsOf: root)
        // The file's `balancing:` is held once, as the configured algorithm (which `--balancing`
        // overrides); a copy in the local policy would win over the flag.
        configuration.localPolicy.balancing = nil
        if let weights = root["weights"] {
            configuration.localPolicy.weights = try normalizedWeights(weights, configuration.localPolicy.weights)
        }
        return configuration
    }

    /// Checks what a file and the flags must give together.
    public func validate() throws(ConfigError) {
        if upstreams.isEmpty {
            throw ConfigError(message: "at least one upstream is needed (upstreams: in the file or --upstream)", field: "upstreams")
        }
        if Set(upstreams).count != upstreams.count {
            throw ConfigError(message: "an upstream is listed twice", field: "upstreams")
        }
        if let unknown = localPolicy.weights.keys.sorted().first(where: { !upstreams.contains($0) }) {
            throw ConfigError(message: "\"\(unknown)\" is not one of the upstreams (\(upstreams.joined(separator: ", ")))", field: "weights")
        }
    }

    /// Weights keyed like `upstreams` (`http://host:port`, no trailing slash).
    static func normalizedWeights(_ node: ConfigNode, _ weights: [String: Int]) throws(ConfigError) -> [String: Int] {
        var normalized: [String: Int] = [:]
        for (url, weight) in weights {
            guard let key = normalizedBaseURL(url) else { throw node.invalid("expected upstream URLs like http://127.0.0.1:3000 as keys, got \"\(url)\"") }
            normalized[key] = weight
        }
        return normalized
    }

    /// `host:port`, `:port` or a port alone.
    static func address(_ node: ConfigNode) throws(ConfigError) -> (String, Int) {
        let text = try node.string()
        guard let parsed = parseAddress(text) else {
            throw node.invalid("expected host:port like 127.0.0.1:8080, got \"\(text)\"")
        }
        return parsed
    }

    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        let colon = text.lastIndex(of: ":")
        let host = colon.map { String(text[..<$0]) } ?? ""
        let portText = colon.map { String(text[text.index(after: $0)...]) } ?? text
        guard let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (host.isEmpty ? "127.0.0.1" : host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    static func httpURL(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.string()
        guard let url = normalizedBaseURL(text) else {
            throw node.invalid("expected an http:// URL with a host and no path, like http://127.0.0.1:3000, got \"\(text)\"")
        }
        return url
    }

    /// `http://host[:port]` without a trailing slash; nil for anything else (a path, https, no host).
    public static func normalizedBaseURL(_ text: String) -> String? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let components = URLComponents(string: trimmed), components.scheme == "http",
            let host = components.host, !host.isEmpty, components.path.isEmpty, components.query == nil
        else { return nil }
        return trimmed
    }

    static func balancing(_ node: ConfigNode) throws(ConfigError) -> Balancing {
        let text = try node.string()
        guard let value = Balancing(rawValue: text) else {
            throw node.invalid("expected one of \(Balancing.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
        }
        return value
    }

    static func health(_ node: ConfigNode) throws(ConfigError) -> Health {
        try node.checkKeys(["path", "interval", "timeout", "healthy_after", "unhealthy_after"])
        var health = Health()
        if let path = node["path"] {
            health.path = try path.string()
            guard health.path.hasPrefix("/") else { throw path.invalid("expected a path starting with /, got \"\(health.path)\"") }
        }
        if let interval = node["interval"] { health.interval = try positive(interval) }
        if let timeout = node["timeout"] { health.timeout = try positive(timeout) }
        if let count = node["healthy_after"] { health.healthyAfter = try count.int(min: 1) }
        if let count = node["unhealthy_after"] { health.unhealthyAfter = try count.int(min: 1) }
        return health
    }

    static func limits(_ node: ConfigNode) throws(ConfigError) -> Limits {
        try node.checkKeys(["header_bytes", "body_bytes", "cache_max_bytes", "buffer_max_bytes", "image_jobs", "image_queue"])
        var limits = Limits()
        if let value = node["header_bytes"] { limits.headerBytes = try value.int(min: 1024) }
        if let value = node["body_bytes"] { limits.bodyBytes = try value.int(min: 0) }
        if let value = node["cache_max_bytes"] { limits.cacheMaxBytes = try value.int(min: 0) }
        if let value = node["buffer_max_bytes"] { limits.bufferMaxBytes = try value.int(min: 0) }
        if let value = node["image_jobs"] { limits.imageJobs = try value.int(min: 1) }
        if let value = node["image_queue"] { limits.imageQueue = try value.int(min: 0) }
        return limits
    }

    static func timeouts(_ node: ConfigNode) throws(ConfigError) -> Timeouts {
        try node.checkKeys(["connect", "first_byte", "idle"])
        var timeouts = Timeouts()
        if let value = node["connect"] { timeouts.connect = try positive(value) }
        if let value = node["first_byte"] { timeouts.firstByte = try positive(value) }
        if let value = node["idle"] { timeouts.idle = try positive(value) }
        return timeouts
    }

    static func positive(_ node: ConfigNode) throws(ConfigError) -> Duration {
        let value = try node.duration()
        guard value > .zero else { throw node.invalid("expected a duration above 0, got \"\(try node.string())\"") }
        return value
    }
}
