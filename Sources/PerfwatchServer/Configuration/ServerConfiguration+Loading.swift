import Foundation
import PerfwatchModel
import PerfwatchStorage
import Yams

extension ServerConfiguration {
    /// Applies a YAML config file. Unknown keys are errors that list the valid ones.
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
    /// auth:
    ///   keys: [{key: "at-least-16-chars-no-spaces", scopes: [ingest, read, admin]}]
    /// outbound:
    ///   allow: [10.20.0.0/16, hooks.internal, "*.corp.example"]
    /// ```
    public mutating func apply(yamlFile path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigurationError("cannot read config file \(path): \(error.localizedDescription)")
        }
        try apply(yaml: text, source: path)
    }

    public mutating func apply(yaml text: String, source: String = "config") throws {
        let loaded: Any?
        do { loaded = try Yams.load(yaml: text) } catch {
            throw ConfigurationError("\(source) is not valid YAML: \(error)")
        }
        guard let root = loaded as? [String: Any] else {
            if loaded == nil { return }
            throw ConfigurationError("\(source): the top level must be a mapping")
        }
        try Self.checkKeys(root, allowed: ["server", "storage", "limits", "http", "host_metrics", "auth", "rum", "alerting", "outbound"], at: "")
        if root["alerting"] != nil {
            alertingYAML = text
            alertingSource = source
        }
        if let server = try Self.section(root, "server") {
            try Self.checkKeys(server, allowed: ["host", "port"], at: "server.")
            if let host = server["host"] { self.host = "\(host)" }
            if let port = server["port"] { self.port = try Self.int(port, "server.port") }
        }
        if let storage = try Self.section(root, "storage") {
            try Self.checkKeys(storage, allowed: ["path", "fsync", "retention"], at: "storage.")
            if let path = storage["path"] { dataDirectory = "\(path)" }
            if let fsync = storage["fsync"] { self.fsync = try Self.bool(fsync, "storage.fsync") }
            if let retention = try Self.section(storage, "retention") {
                try Self.checkKeys(retention, allowed: ["raw", "minute", "hour", "spans", "rum"], at: "storage.retention.")
                if let raw = retention["raw"] { self.retention.rawMs = try Self.duration(raw, "storage.retention.raw") }
                if let minute = retention["minute"] { self.retention.minuteMs = try Self.duration(minute, "storage.retention.minute") }
                if let hour = retention["hour"] { self.retention.hourMs = try Self.duration(hour, "storage.retention.hour") }
                if let spans = retention["spans"] { self.retention.spansMs = try Self.duration(spans, "storage.retention.spans") }
                if let rum = retention["rum"] { self.retention.rumMs = try Self.duration(rum, "storage.retention.rum") }
            }
        }
        if let limits = try Self.section(root, "limits") {
            try Self.checkKeys(limits, allowed: ["max_body_bytes", "max_series_per_query", "max_queued_points", "max_ingest_bytes_in_flight", "max_ingest_parsing"],
                at: "limits.")
            if let value = limits["max_body_bytes"] { maxBodyBytes = try Self.int(value, "limits.max_body_bytes") }
            if let value = limits["max_series_per_query"] { maxSeriesPerQuery = try Self.int(value, "limits.max_series_per_query") }
            if let value = limits["max_queued_points"] { maxQueuedPoints = try Self.int(value, "limits.max_queued_points") }
            if let value = limits["max_ingest_bytes_in_flight"] {
                maxIngestBytesInFlight = try Self.int(value, "limits.max_ingest_bytes_in_flight")
            }
            if let value = limits["max_ingest_parsing"] { maxIngestParsing = try Self.int(value, "limits.max_ingest_parsing") }
        }
        if let section = try Self.section(root, "http") {
            try Self.checkKeys(section, allowed: ["header_timeout", "body_timeout", "idle_timeout", "max_connections"], at: "http.")
            if let value = section["header_timeout"] { http.headerTimeoutMs = try Self.duration(value, "http.header_timeout") }
            if let value = section["body_timeout"] { http.bodyTimeoutMs = try Self.duration(value, "http.body_timeout") }
            if let value = section["idle_timeout"] { http.idleTimeoutMs = try Self.duration(value, "http.idle_timeout") }
            if let value = section["max_connections"] { http.maxConnections = try Self.int(value, "http.max_connections") }
        }
        if let hostMetrics = try Self.section(root, "host_metrics") {
            try Self.checkKeys(hostMetrics, allowed: ["interval"], at: "host_metrics.")
            if let interval = hostMetrics["interval"] {
                hostMetricsIntervalSeconds = Double(try Self.duration(interval, "host_metrics.interval")) / 1000
            }
        }
        if let rum = try Self.section(root, "rum") { try applyRUM(rum) }
        if let outbound = try Self.section(root, "outbound") {
            try Self.checkKeys(outbound, allowed: ["allow"], at: "outbound.")
            guard let allow = outbound["allow"] as? [Any] else {
                throw ConfigurationError("\(source): outbound.allow must be a list of networks, addresses or host names")
            }
            self.outbound = try OutboundPolicy(allow: allow.map { "\($0)" }, field: "\(source): outbound.allow")
        }
        if let auth = try Self.section(root, "auth") {
            try Self.checkKeys(auth, allowed: ["keys"], at: "auth.")
            if let keys = auth["keys"] {
                guard let list = keys as? [[String: Any]] else { throw ConfigurationError("auth.keys must be a list of {key, scopes}") }
                apiKeys = try list.enumerated().map { index, entry in
                    try Self.checkKeys(entry, allowed: ["key", "scopes"], at: "auth.keys[\(index)].")
                    guard let key = entry["key"].map({ "\($0)" }), !key.isEmpty else {
                        throw ConfigurationError("\(source): auth.keys[\(index)].key is missing")
                    }
                    if let problem = APIKey.problem(with: key) { throw ConfigurationError("\(source): auth.keys[\(index)].key \(problem)") }
                    let scopes = (entry["scopes"] as? [Any])?.map { "\($0)" } ?? ["ingest", "read"]
                    for scope in scopes where AuthScope(rawValue: scope) == nil {
                        throw ConfigurationError("\(source): auth.keys[\(index)].scopes: unknown scope '\(scope)' (\(AuthScope.names))")
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

    private mutating func applyRUM(_ section: [String: Any]) throws {
        try Self.checkKeys(section, allowed: ["keys", "rate_limit", "journey_timeout_multiple", "fast_path"], at: "rum.")
        if let keys = section["keys"] {
            guard let list = keys as? [[String: Any]] else { throw ConfigurationError("rum.keys must be a list of {key, origins}") }
            rum.keys = try list.enumerated().map { index, entry in
                try Self.checkKeys(entry, allowed: ["key", "origins"], at: "rum.keys[\(index)].")
                guard let key = entry["key"].map({ "\($0)" }), !key.isEmpty else {
                    throw ConfigurationError("rum.keys[\(index)].key is missing")
                }
                guard let origins = entry["origins"] as? [Any], !origins.isEmpty else {
                    throw ConfigurationError("rum.keys[\(index)].origins must list the page origins allowed (or \"*\")")
                }
                return RUMConfiguration.Key(key: key, origins: origins.map { "\($0)" })
            }
        }
        if let limit = try Self.section(section, "rate_limit") {
            try Self.checkKeys(limit, allowed: ["per_second", "burst"], at: "rum.rate_limit.")
            if let value = limit["per_second"] { rum.ratePerSecond = Double(try Self.int(value, "rum.rate_limit.per_second")) }
            if let value = limit["burst"] { rum.burst = Double(try Self.int(value, "rum.rate_limit.burst")) }
        }
        if let value = section["journey_timeout_multiple"] {
            guard let multiple = Double("\(value)"), multiple > 0 else {
                throw ConfigurationError("rum.journey_timeout_multiple must be a positive number, got '\(value)'")
            }
            rum.journeyTimeoutMultiple = multiple
        }
        if let value = section["fast_path"] { rum.fastPath = try Self.bool(value, "rum.fast_path") }
    }

    private static func section(_ map: [String: Any], _ key: String) throws -> [String: Any]? {
        guard let value = map[key] else { return nil }
        guard let section = value as? [String: Any] else { throw ConfigurationError("\(key) must be a mapping") }
        return section
    }

    private static func checkKeys(_ map: [String: Any], allowed: [String], at prefix: String) throws {
        for key in map.keys where !allowed.contains(key) {
            throw ConfigurationError("unknown key '\(prefix)\(key)'; valid keys: \(allowed.map { prefix + $0 }.joined(separator: ", "))")
        }
    }

    private static func int(_ value: Any, _ name: String) throws -> Int {
        if let int = value as? Int { return int }
        if let int = Int("\(value)") { return int }
        throw ConfigurationError("\(name) must be an integer, got '\(value)'")
    }

    private static func bool(_ value: Any, _ name: String) throws -> Bool {
        if let bool = value as? Bool { return bool }
        switch "\(value)".lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError("\(name) must be true or false, got '\(value)'")
        }
    }

    private static func duration(_ value: Any, _ name: String) throws -> Int64 {
        guard let ms = TimeParsing.parseDuration("\(value)"), ms > 0 else {
            throw ConfigurationError("\(name) must be a duration like 10s, 2d or 400d, got '\(value)'")
        }
        return ms
    }
}
