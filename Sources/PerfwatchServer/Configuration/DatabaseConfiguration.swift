import Foundation
import PerfwatchConfig
import PerfwatchModel
import PerfwatchPostgres

/// One entry of the `databases:` section (issue 21): a PostgreSQL database the advisor reads with
/// `url` (a role with `pg_monitor`) and, when `applyURL` is set, changes with a second role allowed
/// to `CREATE INDEX` (applying an index suggestion).
///
/// ```yaml
/// databases:
///   - {name: app, url: "postgres://monitor@127.0.0.1:5433/app", apply_url: "postgres://dba@127.0.0.1:5433/app",
///      allow_analyze: false, interval: 5m}
/// ```
public struct DatabaseConfiguration: Sendable, Equatable {
    public var name: String
    public var url: String
    public var applyURL: String?
    /// `EXPLAIN ANALYZE` runs the statement: only when the operator says so.
    public var allowAnalyze = false
    public var intervalMs: Int64 = 300_000

    public init(name: String, url: String, applyURL: String? = nil, allowAnalyze: Bool = false, intervalMs: Int64 = 300_000) {
        self.name = name
        self.url = url
        self.applyURL = applyURL
        self.allowAnalyze = allowAnalyze
        self.intervalMs = intervalMs
    }

    /// Reads the `databases:` list: names unique and usable in a URL query, URLs `postgres://`.
    static func parseList(_ section: ConfigNode) throws(ConfigError) -> [DatabaseConfiguration] {
        guard section.isSequence else { throw section.invalid("must be a list of {name, url, apply_url, allow_analyze, interval}") }
        var seen: Set<String> = []
        return try section.sequence().map { entry throws(ConfigError) in
            try entry.checkKeys(["name", "url", "apply_url", "allow_analyze", "interval"])
            let nameNode = try entry.required("name")
            let name = try nameNode.string()
            guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
                throw nameNode.invalid("must be 1-64 letters, digits, '_', '-' or '.', got \"\(name)\"")
            }
            guard seen.insert(name).inserted else { throw nameNode.invalid("database \"\(name)\" is listed twice; names must be unique") }
            var database = DatabaseConfiguration(name: name, url: try postgresURL(try entry.required("url")))
            if let node = entry["apply_url"] { database.applyURL = try postgresURL(node) }
            if let node = entry["allow_analyze"] { database.allowAnalyze = try node.bool() }
            if let node = entry["interval"] {
                let ms = try node.duration().wholeMilliseconds
                guard ms >= 1000 else { throw node.invalid("must be at least 1s, got \(node.kindName)") }
                database.intervalMs = ms
            }
            return database
        }
    }

    /// The URL as given, once postgres-nio's settings can be made from it.
    private static func postgresURL(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.string()
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw node.invalid("must be a postgres:// URL like postgres://user:password@host:5432/database, got \"\(redacted(text))\"")
        }
        do { _ = try PostgresConnectionSettings.configuration(url: text) } catch {
            throw node.invalid("is not a usable postgres:// URL (postgres://user:password@host:port/database): \"\(redacted(text))\"")
        }
        return text
    }

    /// The URL with any password replaced, for messages and the API (a config error must not print a secret).
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url.lastIndex(of: "@"), at > scheme.upperBound else { return url }
        let userInfo = url[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
