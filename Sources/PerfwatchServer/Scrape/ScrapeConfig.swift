import PerfwatchConfig
import PerfwatchIngest
import PerfwatchModel

/// One job of the server file's `scrape_configs:` (issue 19), the subset of Prometheus' own
/// section Perfwatch reads; every refusal names its file, line and field.
///
/// ```yaml
/// scrape_configs:
///   - job_name: node
///     scrape_interval: 15s      # default 1m, as Prometheus
///     scrape_timeout: 10s       # default 10s (at most the interval)
///     metrics_path: /metrics
///     honor_labels: false
///     scheme: http              # http only
///     static_configs:
///       - {targets: ["127.0.0.1:9100"], labels: {env: prod}}
/// ```
struct ScrapeConfig: Sendable, Equatable {
    struct StaticConfig: Sendable, Equatable {
        var targets: [String]
        var labels: [String: String]
    }

    var jobName: String
    var intervalMs: Int64 = 60_000
    var timeoutMs: Int64 = 10_000
    var metricsPath = "/metrics"
    var honorLabels = false
    var staticConfigs: [StaticConfig] = []

    static let keys = ["job_name", "scrape_interval", "scrape_timeout", "metrics_path", "honor_labels", "scheme", "static_configs"]

    static func parseSection(_ section: ConfigNode) throws(ConfigError) -> [ScrapeConfig] {
        guard section.isSequence else { throw section.invalid("must be a list of jobs {job_name, scrape_interval, static_configs, …}") }
        var names: Set<String> = []
        return try section.sequence().map { node throws(ConfigError) in
            let config = try parse(node)
            guard names.insert(config.jobName).inserted else {
                throw try node.required("job_name").invalid("job \"\(config.jobName)\" is listed twice; job names must be unique")
            }
            return config
        }
    }

    static func parse(_ node: ConfigNode) throws(ConfigError) -> ScrapeConfig {
        try node.checkKeys(keys)
        let nameNode = try node.required("job_name")
        let name = try nameNode.string()
        guard !name.isEmpty else { throw nameNode.invalid("must not be empty (it becomes the `job` label)") }
        var config = ScrapeConfig(jobName: name)
        var timeoutNode: ConfigNode?
        if let value = node["scrape_interval"] { config.intervalMs = try positiveMs(value) }
        if let value = node["scrape_timeout"] {
            config.timeoutMs = try positiveMs(value)
            timeoutNode = value
        } else {
            config.timeoutMs = min(config.timeoutMs, config.intervalMs)
        }
        if config.timeoutMs > config.intervalMs {
            throw (timeoutNode ?? node).invalid("scrape timeout greater than scrape interval (\(config.timeoutMs) ms > \(config.intervalMs) ms)")
        }
        if let value = node["metrics_path"] {
            let path = try value.string()
            guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0 == "#" }) else {
                throw value.invalid("must be a path starting with '/', got \"\(path)\"")
            }
            config.metricsPath = path
        }
        if let value = node["honor_labels"] { config.honorLabels = try value.bool() }
        if let value = node["scheme"] {
            let scheme = try value.string()
            guard scheme == "http" else { throw value.invalid("only http is supported, got \"\(scheme)\"") }
        }
        let statics = try node.required("static_configs")
        guard statics.isSequence else { throw statics.invalid("must be a list of {targets, labels}") }
        config.staticConfigs = try statics.sequence().map { entry throws(ConfigError) in try parseStatic(entry) }
        return config
    }

    static func parseStatic(_ node: ConfigNode) throws(ConfigError) -> StaticConfig {
        try node.checkKeys(["targets", "labels"])
        let targetsNode = try node.required("targets")
        let targets = try targetsNode.stringList()
        for target in targets where !isHostPort(target) {
            throw targetsNode.invalid("target \"\(target)\" must be host:port (no scheme, no path)")
        }
        var labels: [String: String] = [:]
        if let labelsNode = node["labels"] {
            labels = try labelsNode.stringMap()
            for name in labels.keys where !PrometheusNames.isLabelName(name) || name.hasPrefix("__") {
                throw labelsNode.invalid("\"\(name)\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)")
            }
        }
        return StaticConfig(targets: targets, labels: labels)
    }

    /// `host:port` with a numeric port (IPv6 in brackets).
    static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex else { return false }
        let host = text[..<colon]
        guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return false }
        return !host.contains("/") && !host.contains(" ") && !host.contains("@")
    }

    private static func positiveMs(_ node: ConfigNode) throws(ConfigError) -> Int64 {
        let ms = try node.duration().wholeMilliseconds
        guard ms > 0 else { throw node.invalid("must be a duration longer than 0 like 15s or 1m, got \(node.kindName)") }
        return ms
    }

    /// One target per address, with the labels Prometheus gives it (`job`, `instance`, the static labels).
    var targets: [ScrapeTarget] {
        staticConfigs.flatMap { group in
            group.targets.map { address in
                var labels = group.labels
                labels["job"] = jobName
                if labels["instance"] == nil { labels["instance"] = address }
                return ScrapeTarget(job: jobName, url: "http://\(address)\(metricsPath)", labels: labels, intervalMs: intervalMs,
                    timeoutMs: timeoutMs, honorLabels: honorLabels)
            }
        }
    }
}

/// One address of a job, as scraped.
struct ScrapeTarget: Sendable, Equatable {
    var job: String
    var url: String
    /// `job`, `instance` and the static labels: added to every scraped series.
    var labels: [String: String]
    var intervalMs: Int64
    var timeoutMs: Int64
    var honorLabels: Bool
}
