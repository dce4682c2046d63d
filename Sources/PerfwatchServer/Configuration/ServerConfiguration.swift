public import PerfwatchAlerting
public import PerfwatchForwarding
public import PerfwatchStorage

/// Everything `perfwatch serve` can be told. Filled from defaults, then the YAML file, then
/// `PERFWATCH_*` environment variables, then command-line flags (each overriding the last).
public struct ServerConfiguration: Sendable {
    public struct APIKey: Sendable, Equatable {
        public var key: String
        public var scopes: Set<String>

        public init(key: String, scopes: Set<String>) {
            self.key = key
            self.scopes = scopes
        }

        /// Shorter keys can be guessed; keys people type or paste in are at least this long.
        public static let minimumLength = 16

        /// What is wrong with `key` as an API key, or nil. Whitespace is refused because a key of
        /// spaces (or one that lost a character to a YAML line fold) would look set and guard nothing.
        public static func problem(with key: String) -> String? {
            if key.contains(where: { $0.isWhitespace || $0.isNewline }) { return "must not contain whitespace" }
            if key.count < minimumLength { return "is \(key.count) characters; keys need at least \(minimumLength)" }
            return nil
        }
    }

    public var host = "127.0.0.1"
    public var port = 4318
    public var dataDirectory = "./perfwatch-data"
    public var retention = RetentionPolicy()
    /// fsync every group commit (survives power loss, not only a killed process).
    public var fsync = true
    /// Largest request body, also after gzip inflation.
    public var maxBodyBytes = 10 * 1024 * 1024
    public var maxSeriesPerQuery = 1000
    /// Points waiting for a commit; past half of it ingest is refused before bodies are read.
    /// About one second of commits: more only holds memory and delays the refusal.
    public var maxQueuedPoints = 500_000
    /// Ingest bodies being read, parsed or committed at once; past it ingest is answered 503
    /// + `Retry-After` before the body is read. With the queue this bounds ingest memory.
    public var maxIngestBytesInFlight = 32 * 1024 * 1024
    /// Ingest requests read and parsed at once; past it ingest is answered 503 at once.
    /// nil: one fewer than the cores (at least one), so queries keep a thread.
    public var maxIngestParsing: Int?
    /// Seconds between host/self metric samples; 0 disables them.
    public var hostMetricsIntervalSeconds = 10.0
    /// Seconds between retention passes.
    public var retentionIntervalSeconds = 300.0
    /// Seconds between WAL checkpoints that truncate it (the running data directory stays the size of a stopped one).
    public var walCheckpointIntervalSeconds = 5.0
    public var apiKeys: [APIKey] = []
    public var rum = RUMConfiguration()
    public var http = HTTPConfiguration()
    /// Where destinations set through the API may point (`outbound.allow`, docs/api-auth.md).
    public var outbound = OutboundPolicy()
    /// The configuration file's `alerting:` section (channels and routes), read with the rest of
    /// the file; nil without one (then `AlertingConfiguration.default`).
    public var alerting: AlertingConfiguration?
    /// Directory of alert rule files (`--rules`, `PERFWATCH_RULES`), reloaded on SIGHUP.
    public var rulesDirectory: String?
    /// The `analysis:` section: how often passes run and how optimizations are validated and applied.
    public var analysis = AnalysisSettings()
    /// The `databases:` section: PostgreSQL databases the database advisor reads (issue 21).
    public var databases: [DatabaseConfiguration] = []
    /// Limits of the Prometheus HTTP API (`promql:` in the config file).
    public var promql = PromQLSettings()
    /// `synthetic: {checks: [...]}` (issue 20, docs/audits.md): checks the server runs, read-only through the API.
    var syntheticChecks: [SyntheticCheck] = []
    /// `reports: [...]` (issue 20): scheduled reports, read-only through the API.
    var reportSchedules: [ReportSchedule] = []
    /// The file's `scrape_configs:` (issue 19): targets the server scrapes itself.
    var scrapeConfigs: [ScrapeConfig] = []
    /// `forwarding: [...]` (issue 19, docs/forwarding.md): destinations what Perfwatch receives is forwarded to.
    public var forwarding: [ForwardDestination] = []

    public init() {}

    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Auth is on when any key exists: in the configuration or stored by `perfwatch keys create`.
    public var authEnabled: Bool { !apiKeys.isEmpty || !((try? APIKeyFile(dataDirectory: dataDirectory).load()) ?? []).isEmpty }

    /// Refuses configurations that would expose an open server on the network.
    public func validate() throws {
        // Port 0 asks the OS for a free port (tests).
        guard (0...65535).contains(port) else { throw ConfigurationError("port \(port) is out of range 0-65535") }
        guard maxBodyBytes > 0 else { throw ConfigurationError("limits.max_body_bytes must be positive") }
        for (name, value) in [
            ("http.header_timeout", http.headerTimeoutMs), ("http.body_timeout", http.bodyTimeoutMs),
            ("http.idle_timeout", http.idleTimeoutMs),
        ] where value <= 0 {
            throw ConfigurationError("\(name) must be positive")
        }
        if let maxConnections = http.maxConnections, maxConnections <= 0 {
            throw ConfigurationError("http.max_connections must be positive")
        }
        guard maxQueuedPoints > 0 else { throw ConfigurationError("limits.max_queued_points must be positive") }
        if let maxIngestParsing, maxIngestParsing <= 0 { throw ConfigurationError("limits.max_ingest_parsing must be positive") }
        guard maxIngestBytesInFlight > 0 else { throw ConfigurationError("limits.max_ingest_bytes_in_flight must be positive") }
        guard maxSeriesPerQuery > 0 else { throw ConfigurationError("limits.max_series_per_query must be positive") }
        for (index, key) in apiKeys.enumerated() {
            if let problem = APIKey.problem(with: key.key) { throw ConfigurationError("auth.keys[\(index)].key \(problem)") }
            for scope in key.scopes where AuthScope(rawValue: scope) == nil {
                throw ConfigurationError("auth.keys[\(index)].scopes: unknown scope '\(scope)' (\(AuthScope.names))")
            }
        }
        if !isLoopback && !authEnabled {
            throw ConfigurationError(
                "refusing to listen on \(host) without API keys: run perfwatch keys create, add auth.keys to the config file or bind to 127.0.0.1")
        }
    }
}

/// Limits on HTTP connections (the `http:` section). A slow or idle client must not hold a
/// connection, and the count of connections must stay below the open-file limit.
public struct HTTPConfiguration: Sendable, Equatable {
    /// Time for a request head to arrive once its first byte did.
    public var headerTimeoutMs: Int64 = 10_000
    /// Time for a whole request body to arrive once its head did (10 MB in 30 s is 350 kB/s).
    public var bodyTimeoutMs: Int64 = 30_000
    /// A keep-alive connection with no request in progress is closed after this.
    public var idleTimeoutMs: Int64 = 60_000
    /// Open connections beyond this are answered 503 and closed; nil: min(10,000, the
    /// open-file limit - 256).
    public var maxConnections: Int?

    public init() {}
}

/// Real-user monitoring: public browser keys and the limits on what browsers may send.
public struct RUMConfiguration: Sendable, Equatable {
    public struct Key: Sendable, Equatable {
        public var key: String
        /// Page origins (`https://shop.example.com`) allowed to send with this key; `*` allows any.
        public var origins: [String]

        public init(key: String, origins: [String]) {
            self.key = key
            self.origins = origins
        }

        public func allows(origin: String?) -> Bool {
            if origins.contains("*") { return true }
            guard let origin else { return false }
            return origins.contains { $0.lowercased() == origin.lowercased() }
        }
    }

    /// Empty: the server makes one key (any origin) on first start and keeps it in the data directory.
    public var keys: [Key] = []
    /// Beacons per second one client address may send, and the burst it may save up.
    public var ratePerSecond = 20.0
    public var burst = 60.0
    /// An open journey with no news for this many times its target is closed as abandoned.
    public var journeyTimeoutMultiple = 3.0
    /// For journeys started without a target.
    public var defaultJourneyTargetMs = 600_000.0
    /// Beacons are answered on the connection's event loop (`BeaconFastPath`); false sends
    /// them through the router like any request: same answers, about a third more CPU each.
    public var fastPath = true

    public init() {}
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The `analysis:` section. The validation waits are settings so a test can judge a change in seconds.
public struct AnalysisSettings: Sendable, Equatable {
    public var intervalMs: Int64 = 60_000
    public var windowMs: Int64 = 3_600_000
    /// `validation.min_after`, `validation.min_requests`: what the optimization validator waits for.
    public var validationMinAfterMs: Int64 = 15 * 60_000
    public var validationMinRequests = 100
    /// Issue types whose proposed edge optimizations are applied without a person (`auto_apply`).
    public var autoApply: [String] = []

    /// The edge issue types (each carries a `policy_change`; `EdgeProposals` proposes one optimization
    /// per open issue of them), all of which `auto_apply` may name.
    /// `db_index` (issue 21): index suggestions applied, and those judged `regressed`/`no_change` dropped again.
    public static let autoApplicable = ["edge_compression", "edge_cache", "edge_balancing", "edge_images", "db_index"]

    public init() {}
}
