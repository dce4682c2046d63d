import Foundation
public import PerfwatchConfig

extension ForwardDestination {
    /// Reads the `forwarding:` list (and the top-level `spool:` defaults) with the one
    /// configuration reader: every error is `file:line: field: problem` (unknown type, bad URL,
    /// missing region, an `*_env` variable that is not set, two destinations with one name).
    public static func parseList(
        _ section: ConfigNode, spool: ConfigNode? = nil, environment: [String: String]
    ) throws(ConfigError) -> [ForwardDestination] {
        var defaults = (directory: String?.none, maxBytes: defaultSpoolMaxBytes)
        if let spool {
            try spool.checkKeys(["dir", "max_bytes"])
            if let dir = spool["dir"] { defaults.directory = try dir.string() }
            if let value = spool["max_bytes"] { defaults.maxBytes = try byteSize(value) }
        }
        guard section.isSequence else { throw section.invalid("must be a list of destinations ({name, type, ...})") }
        var names: Set<String> = []
        return try section.sequence().map { entry throws(ConfigError) in
            var destination = try parse(entry, environment: environment)
            guard names.insert(destination.name).inserted else {
                throw (entry["name"] ?? entry).invalid("another destination is already named \"\(destination.name)\"")
            }
            if destination.spoolDirectory == nil, let parent = defaults.directory { destination.spoolDirectory = parent + "/" + destination.name }
            if entry["spool"]?["max_bytes"] == nil { destination.spoolMaxBytes = defaults.maxBytes }
            return destination
        }
    }

    static let commonKeys = ["name", "type", "signals", "metrics", "spool", "timeout", "retry"]

    static func parse(_ entry: ConfigNode, environment: [String: String]) throws(ConfigError) -> ForwardDestination {
        let nameNode = try entry.required("name")
        let name = try nameNode.string()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw nameNode.invalid("must be letters, digits, '-', '_' or '.' (it names the spool directory and the /metrics label)")
        }
        let typeNode = try entry.required("type")
        let type = try typeNode.string()
        var headers: [(String, String)] = []
        let kind: Kind
        let supported: Set<ForwardSignal>
        switch type {
        case "otlp":
            try entry.checkKeys(commonKeys + ["url", "traces_url", "headers", "compression"])
            let urlNode = try entry.required("url")
            let url = try httpURL(urlNode)
            let metricsURL: String
            var tracesURL: String
            if url.hasSuffix("/v1/metrics") {
                metricsURL = url
                tracesURL = String(url.dropLast("/v1/metrics".count)) + "/v1/traces"
            } else {
                let base = url.hasSuffix("/") ? String(url.dropLast()) : url
                metricsURL = base + "/v1/metrics"
                tracesURL = base + "/v1/traces"
            }
            if let node = entry["traces_url"] { tracesURL = try httpURL(node) }
            if let node = entry["headers"] { headers = try node.stringMap().sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
            var gzip = false
            if let node = entry["compression"] {
                switch try node.string() {
                case "gzip": gzip = true
                case "none": gzip = false
                case let other: throw node.invalid("expected gzip or none, got \"\(other)\"")
                }
            }
            kind = .otlp(metricsURL: metricsURL, tracesURL: tracesURL, gzip: gzip)
            supported = [.metrics, .traces]
        case "datadog":
            try entry.checkKeys(commonKeys + ["site", "api_key_env"])
            var site = "https://api.datadoghq.com"
            if let node = entry["site"] {
                let text = try node.string()
                // `datadoghq.eu` as Datadog's docs name sites, or a full URL.
                site = try httpURL(text.contains("://") ? node : ConfigNode(value: .scalar("https://api." + text), file: node.file, line: node.line, path: node.path))
            }
            if site.hasSuffix("/") { site.removeLast() }
            let apiKey = try environmentValue(entry, "api_key_env", environment, required: true)!
            kind = .datadog(seriesURL: site + "/api/v2/series", apiKey: apiKey)
            supported = [.metrics]
        case "cloudwatch":
            try entry.checkKeys(commonKeys + ["region", "namespace", "endpoint", "access_key_id_env", "secret_access_key_env", "session_token_env"])
            let regionNode = try entry.required("region")
            let region = try regionNode.string()
            guard !region.isEmpty, region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw regionNode.invalid("expected an AWS region like eu-west-1, got \"\(region)\"")
            }
            let namespace = try entry["namespace"]?.string() ?? "Perfwatch"
            guard !namespace.isEmpty, !namespace.hasPrefix("AWS/") else { throw (entry["namespace"] ?? entry.missing("namespace")).invalid("must be set and not start with AWS/") }
            var endpoint = "https://monitoring.\(region).amazonaws.com/"
            if let node = entry["endpoint"] { endpoint = try httpURL(node) }
            if !endpoint.dropFirst(8).contains("/") { endpoint += "/" }
            let credentials = AWSCredentials(
                accessKeyID: try environmentValue(entry, "access_key_id_env", environment, required: true, defaultName: "AWS_ACCESS_KEY_ID")!,
                secretAccessKey: try environmentValue(entry, "secret_access_key_env", environment, required: true, defaultName: "AWS_SECRET_ACCESS_KEY")!,
                sessionToken: try environmentValue(entry, "session_token_env", environment, required: false))
            kind = .cloudwatch(CloudWatchTarget(endpoint: endpoint, region: region, namespace: namespace, credentials: credentials))
            supported = [.metrics]
        default:
            throw typeNode.invalid("unknown destination type \"\(type)\"; valid types: otlp, datadog, cloudwatch")
        }
        var signals = supported
        if let node = entry["signals"] {
            signals = []
            for text in try node.stringList() {
                guard let signal = ForwardSignal.allCases.first(where: { $0.name == text }) else {
                    throw node.invalid("unknown signal \"\(text)\"; valid signals: metrics, traces")
                }
                guard supported.contains(signal) else { throw node.invalid("a \(type) destination cannot take \(text)") }
                signals.insert(signal)
            }
        }
        var destination = ForwardDestination(
            name: name, kind: kind, headers: headers, signals: signals, metricFilter: MetricNameFilter(patterns: try entry["metrics"]?.stringList() ?? []))
        if let spool = entry["spool"] {
            try spool.checkKeys(["dir", "max_bytes"])
            if let dir = spool["dir"] { destination.spoolDirectory = try dir.string() }
            if let value = spool["max_bytes"] { destination.spoolMaxBytes = try byteSize(value) }
        }
        if let node = entry["timeout"] { destination.timeout = try node.duration() }
        if let retry = entry["retry"] {
            try retry.checkKeys(["initial", "max"])
            if let node = retry["initial"] { destination.backoff.initial = try node.duration() }
            if let node = retry["max"] { destination.backoff.maximum = try node.duration() }
            if destination.backoff.maximum < destination.backoff.initial { throw retry.invalid("max must not be below initial") }
        }
        return destination
    }

    /// An absolute http(s) URL with a host.
    static func httpURL(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.string()
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { throw node.invalid("expected an http:// or https:// URL with a host, got \"\(text)\"") }
        return text
    }

    /// The value of the environment variable that `entry[key]` names (or `defaultName`).
    static func environmentValue(
        _ entry: ConfigNode, _ key: String, _ environment: [String: String], required: Bool, defaultName: String? = nil
    ) throws(ConfigError) -> String? {
        let node = entry[key]
        guard let variable = try node?.string() ?? defaultName else {
            if required { throw entry.missing(key).invalid("required field is missing (the name of an environment variable)") }
            return nil
        }
        guard let value = environment[variable], !value.isEmpty else {
            throw (node ?? entry.missing(key)).invalid("environment variable \(variable) is not set")
        }
        return value
    }

    /// `268435456`, `64KiB`, `256MiB`, `1GiB` (or KB/MB/GB, powers of 1000).
    static func byteSize(_ node: ConfigNode) throws(ConfigError) -> Int {
        let text = try node.string().trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1)]
        var number = text
        var multiplier = 1
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = String(text.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            multiplier = factor
            break
        }
        guard let value = Int(number), value > 0, value <= Int.max / multiplier, value * multiplier >= 4096 else {
            throw node.invalid("expected a size of at least 4KiB like 64KiB, 256MiB or 1GiB, got \"\(text)\"")
        }
        return value * multiplier
    }
}
