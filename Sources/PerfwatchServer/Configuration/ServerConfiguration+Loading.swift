import Foundation
import PerfwatchAlerting
import PerfwatchConfig
import PerfwatchForwarding
import PerfwatchModel
import PerfwatchStorage

extension ServerConfiguration {
    /// Applies a YAML config file. Unknown keys are errors that list the valid ones; every error
    /// names the file, the line and the field (`perfwatch.yml:4: storage.retention.raw: …`).
    ///
    /// ```yaml
    /// server: {host: 127.0.0.1, port: 4318}
    /// storage:
    ///   path: ./perfwatch-data
    ///   fsync: true
    ///   retention: {raw: 2d, minute: 30d, hour: 400d, spans: 7d}
    /// limits: {max_body_bytes: 10485760, max_series_per_query: 1000, max_queued_points: 500000,
    ///          max_ingest_bytes_in_flight: 33554432, max_ingest_parsing: 1}
    /// http: {header_timeout: 10s, body_timeout: 30s, idle_timeout: 60s, max_connections: 10000}
    /// host_metrics: {interval: 10s}
    /// analysis: {interval: 60s, window: 1h, validation: {min_after: 15m, min_requests: 100}, auto_apply: [edge_compression]}
    /// databases: [{name: app, url: "postgres://monitor@db:5432/app", apply_url: "postgres://dba@db:5432/app", interval: 5m}]
    /// auth:
    ///   keys: [{key: "at-least-16-chars-no-spaces", scopes: [ingest, read, admin]}]
    /// outbound:
    ///   allow: [10.20.0.0/16, hooks.internal, "*.corp.example"]
    /// synthetic:
    ///   checks: [{name: home, url: "https://example.com/", expect_status: 200, interval: 30s, threshold: 800ms}]
    /// promql: {query_timeout: 2m, max_samples: 50000000, max_series: 10000}
    /// forwarding:
    ///   - {name: collector, type: otlp, url: "https://otlp.example.com", signals: [metrics, traces], metrics: ["http_*", "!debug_*"]}
    ///   - {name: dd, type: datadog, site: "https://api.datadoghq.com", api_key_env: DD_API_KEY}
    ///   - {name: cw, type: cloudwatch, region: eu-west-1, namespace: Perfwatch}
    /// spool: {max_bytes: 256MiB}
    /// reports:
    ///   - {name: weekly, schedule: {every: week, weekday: monday, at: "08:00", time_zone: Europe/Berlin}, recipients: [ops@example.com], format: pdf}
    /// scrape_configs:
    ///   - {job_name: node, scrape_interval: 15s, static_configs: [{targets: ["127.0.0.1:9100"]}]}
    /// ```
    public mutating func apply(yamlFile path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigurationError("cannot read config file \(path): \(error.localizedDescription)")
        }
        try apply(yaml: text, source: path)
    }

    /// Applies YAML text. `source` names the file in errors, which read `source:line: field: problem`
    /// (`ConfigNode`, the one configuration reader). The `alerting:` section is read here too, once,
    /// into `alerting`; its errors are all reported at once.
    public mutating func apply(yaml text: String, source: String = "config") throws {
        let root: ConfigNode
        do throws(ConfigError) {
            root = try ConfigNode.parseYAML(text, file: source)
            if root.isNull { return }
            try apply(root)
        } catch {
            throw ConfigurationError(error.description)
        }
        if let section = root["alerting"] {
            do throws(AlertingErrors) {
                alerting = try AlertingConfiguration.parse(section)
            } catch {
                throw ConfigurationError(error.description)
            }
        }
    }

    private mutating func apply(_ root: ConfigNode) throws(ConfigError) {
        try root.checkKeys(["server", "storage", "limits", "http", "host_metrics", "auth", "rum", "alerting", "outbound", "analysis", "databases", "synthetic", "reports", "promql", "scrape_configs", "forwarding", "spool"])
        if let server = root["server"] {
            try server.checkKeys(["host", "port"])
            if let host = server["host"] { self.host = try host.string() }
            if let port = server["port"] { self.port = try port.int() }
        }
        if let storage = root["storage"] {
            try storage.checkKeys(["path", "fsync", "retention"])
            if let path = storage["path"] { dataDirectory = try path.string() }
            if let fsync = storage["fsync"] { self.fsync = try fsync.bool() }
            if let section = storage["retention"] {
                try section.checkKeys(["raw", "minute", "hour", "spans", "rum"])
                if let raw = section["raw"] { retention.rawMs = try Self.durationMs(raw) }
                if let minute = section["minute"] { retention.minuteMs = try Self.durationMs(minute) }
                if let hour = section["hour"] { retention.hourMs = try Self.durationMs(hour) }
                if let spans = section["spans"] { retention.spansMs = try Self.durationMs(spans) }
                if let rum = section["rum"] { retention.rumMs = try Self.durationMs(rum) }
            }
        }
        if let section = root["promql"] { try applyPromQL(section) }
        if let limits = root["limits"] {
            try limits.checkKeys(["max_body_bytes", "max_series_per_query", "max_queued_points", "max_ingest_bytes_in_flight", "max_ingest_parsing"])
            if let value = limits["max_body_bytes"] { maxBodyBytes = try value.int() }
            if let value = limits["max_series_per_query"] { maxSeriesPerQuery = try value.int() }
            if let value = limits["max_queued_points"] { maxQueuedPoints = try value.int() }
            if let value = limits["max_ingest_bytes_in_flight"] { maxIngestBytesInFlight = try value.int() }
            if let value = limits["max_ingest_parsing"] { maxIngestParsing = try value.int() }
        }
        if let section = root["http"] {
            try section.checkKeys(["header_timeout", "body_timeout", "idle_timeout", "max_connections"])
            if let value = section["header_timeout"] { http.headerTimeoutMs = try Self.durationMs(value) }
            if let value = section["body_timeout"] { http.bodyTimeoutMs = try Self.durationMs(value) }
            if let value = section["idle_timeout"] { http.idleTimeoutMs = try Self.durationMs(value) }
            if let value = section["max_connections"] { http.maxConnections = try value.int() }
        }
        if let hostMetrics = root["host_metrics"] {
            try hostMetrics.checkKeys(["interval"])
            if let interval = hostMetrics["interval"] { hostMetricsIntervalSeconds = Double(try Self.durationMs(interval)) / 1000 }
        }
        if let rum = root["rum"] { try applyRUM(rum) }
        if let section = root["analysis"] { try applyAnalysis(section) }
        if let section = root["databases"] { databases = try DatabaseConfiguration.parseList(section) }
        if let section = root["synthetic"] { syntheticChecks = try SyntheticCheck.parseSection(section) }
        if let section = root["reports"] { reportSchedules = try ReportSchedule.parseSection(section) }
        if let section = root["scrape_configs"] { scrapeConfigs = try ScrapeConfig.parseSection(section) }
        if let section = root["forwarding"] {
            forwarding = try ForwardDestination.parseList(section, spool: root["spool"], environment: ProcessInfo.processInfo.environment)
        } else if let spool = root["spool"] {
            throw spool.invalid("sets the forwarding spool; it needs a forwarding: section")
        }
        if let outbound = root["outbound"] {
            try outbound.checkKeys(["allow"])
            let allow = try outbound.required("allow")
            guard allow.isSequence else { throw allow.invalid("must be a list of networks, addresses or host names") }
            let entries = try allow.sequence().map { item throws(ConfigError) in
                let text = try item.string()
                if let problem = OutboundPolicy.problem(with: text) { throw item.invalid(problem) }
                return text
            }
            // Every entry was checked above, so this cannot fail.
            self.outbound = (try? OutboundPolicy(allow: entries)) ?? self.outbound
        }
        if let auth = root["auth"] {
            try auth.checkKeys(["keys"])
            if let keys = auth["keys"] {
                guard keys.isSequence else { throw keys.invalid("must be a list of {key, scopes}") }
                apiKeys = try keys.sequence().map { entry throws(ConfigError) in
                    try entry.checkKeys(["key", "scopes"])
                    let keyNode = try entry.required("key")
                    let key = try keyNode.string()
                    if let problem = APIKey.problem(with: key) { throw keyNode.invalid(problem) }
                    let scopes = try entry["scopes"]?.stringList() ?? ["ingest", "read"]
                    for scope in scopes where AuthScope(rawValue: scope) == nil {
                        throw (entry["scopes"] ?? entry).invalid("unknown scope '\(scope)' (\(AuthScope.names))")
                    }
                    return APIKey(key: key, scopes: Set(scopes))
                }
            }
        }
    }

    /// Applies `PERFWATCH_HOST`, `PERFWATCH_PORT`, `PERFWATCH_DATA`, `PERFWATCH_FSYNC`,
    /// `PERFWATCH_MAX_BODY_BYTES`, `PERFWATCH_MAX_SERIES_PER_QUERY`, `PERFWATCH_RETENTION_RAW`,
    /// `PERFWATCH_RETENTION_MINUTE`, `PERFWATCH_RETENTION_HOUR`, `PERFWATCH_RETENTION_SPANS`,
    /// `PERFWATCH_API_KEY` (all scopes).
    public mutating func apply(environment: [String: String]) throws {
        if let host = environment["PERFWATCH_HOST"] { self.host = host }
        if let port = environment["PERFWATCH_PORT"] { self.port = try Self.int(port, "PERFWATCH_PORT") }
        if let data = environment["PERFWATCH_DATA"] { dataDirectory = data }
        if let fsync = environment["PERFWATCH_FSYNC"] { self.fsync = try Self.bool(fsync, "PERFWATCH_FSYNC") }
        if let value = environment["PERFWATCH_MAX_BODY_BYTES"] { maxBodyBytes = try Self.int(value, "PERFWATCH_MAX_BODY_BYTES") }
        if let value = environment["PERFWATCH_MAX_SERIES_PER_QUERY"] {
            maxSeriesPerQuery = try Self.int(value, "PERFWATCH_MAX_SERIES_PER_QUERY")
        }
        if let value = environment["PERFWATCH_RETENTION_RAW"] { retention.rawMs = try Self.duration(value, "PERFWATCH_RETENTION_RAW") }
        if let value = environment["PERFWATCH_RETENTION_MINUTE"] { retention.minuteMs = try Self.duration(value, "PERFWATCH_RETENTION_MINUTE") }
        if let value = environment["PERFWATCH_RETENTION_HOUR"] { retention.hourMs = try Self.duration(value, "PERFWATCH_RETENTION_HOUR") }
        if let value = environment["PERFWATCH_RETENTION_SPANS"] { retention.spansMs = try Self.duration(value, "PERFWATCH_RETENTION_SPANS") }
        if let rules = environment["PERFWATCH_RULES"], !rules.isEmpty { rulesDirectory = rules }
        if let key = environment["PERFWATCH_API_KEY"], !key.isEmpty {
            if let problem = APIKey.problem(with: key) { throw ConfigurationError("PERFWATCH_API_KEY \(problem)") }
            apiKeys.append(APIKey(key: key, scopes: ["ingest", "read", "admin"]))
        }
    }

    private mutating func applyRUM(_ section: ConfigNode) throws(ConfigError) {
        try section.checkKeys(["keys", "rate_limit", "journey_timeout_multiple", "fast_path"])
        if let keys = section["keys"] {
            guard keys.isSequence else { throw keys.invalid("must be a list of {key, origins}") }
            rum.keys = try keys.sequence().map { entry throws(ConfigError) in
                try entry.checkKeys(["key", "origins"])
                let key = try entry.required("key").string()
                guard !key.isEmpty else { throw entry.missing("key").invalid("is missing") }
                let origins = try entry["origins"]?.stringList() ?? []
                guard !origins.isEmpty else {
                    throw (entry["origins"] ?? entry.missing("origins")).invalid("must list the page origins allowed (or \"*\")")
                }
                return RUMConfiguration.Key(key: key, origins: origins)
            }
        }
        if let limit = section["rate_limit"] {
            try limit.checkKeys(["per_second", "burst"])
            if let value = limit["per_second"] { rum.ratePerSecond = Double(try value.int()) }
            if let value = limit["burst"] { rum.burst = Double(try value.int()) }
        }
        if let value = section["journey_timeout_multiple"] {
            let text = try value.string()
            guard let multiple = Double(text), multiple > 0 else {
                throw value.invalid("must be a positive number, got '\(text)'")
            }
            rum.journeyTimeoutMultiple = multiple
        }
        if let value = section["fast_path"] { rum.fastPath = try value.bool() }
    }

    private mutating func applyAnalysis(_ section: ConfigNode) throws(ConfigError) {
        try section.checkKeys(["interval", "window", "validation", "auto_apply"])
        if let value = section["interval"] { analysis.intervalMs = try Self.durationMs(value) }
        if let value = section["window"] { analysis.windowMs = try Self.durationMs(value) }
        if let validation = section["validation"] {
            try validation.checkKeys(["min_after", "min_requests"])
            if let value = validation["min_after"] { analysis.validationMinAfterMs = try Self.durationMs(value) }
            if let value = validation["min_requests"] { analysis.validationMinRequests = try value.int(min: 1) }
        }
        if let value = section["auto_apply"] {
            let types = try value.stringList()
            for type in types where !AnalysisSettings.autoApplicable.contains(type) {
                throw value.invalid("'\(type)' cannot be applied automatically (one of \(AnalysisSettings.autoApplicable.joined(separator: ", ")))")
            }
            analysis.autoApply = types
        }
    }

    /// The Prometheus HTTP API's limits (`PromQLSettings`).
    private mutating func applyPromQL(_ section: ConfigNode) throws(ConfigError) {
        try section.checkKeys(["query_timeout", "max_samples", "max_series"])
        if let value = section["query_timeout"] { promql.queryTimeoutMs = try Self.durationMs(value) }
        if let value = section["max_samples"] { promql.maxSamples = try value.int(min: 1) }
        if let value = section["max_series"] { promql.maxSeries = try value.int(min: 1) }
    }

    /// A setting's duration (`DurationText`) in ms; zero is refused (a zero timeout or retention
    /// would stop the server working).
    private static func durationMs(_ node: ConfigNode) throws(ConfigError) -> Int64 {
        let ms = try node.duration().wholeMilliseconds
        guard ms > 0 else { throw node.invalid("must be a duration longer than 0 like 10s, 2d or 400d, got \(node.kindName)") }
        return ms
    }

    // Environment variables: plain text, named in errors by the variable.

    private static func int(_ value: String, _ name: String) throws -> Int {
        guard let int = Int(value) else { throw ConfigurationError("\(name) must be an integer, got '\(value)'") }
        return int
    }

    private static func bool(_ value: String, _ name: String) throws -> Bool {
        switch value.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError("\(name) must be true or false, got '\(value)'")
        }
    }

    private static func duration(_ value: String, _ name: String) throws -> Int64 {
        let message = "\(name) must be a duration like 10s, 2d or 400d, got '\(value)'"
        let ms: Int64
        do { ms = try DurationText.parse(value).wholeMilliseconds } catch { throw ConfigurationError(error.explaining(message)) }
        guard ms > 0 else { throw ConfigurationError(message) }
        return ms
    }
}
