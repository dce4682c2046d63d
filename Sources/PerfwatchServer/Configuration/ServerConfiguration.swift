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
    public var maxQueuedPoints = 2_000_000
    /// Seconds between host/self metric samples; 0 disables them.
    public var hostMetricsIntervalSeconds = 10.0
    /// Seconds between retention passes.
    public var retentionIntervalSeconds = 300.0
    public var apiKeys: [APIKey] = []

    public init() {}

    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var authEnabled: Bool { !apiKeys.isEmpty }

    /// Refuses configurations that would expose an open server on the network.
    public func validate() throws {
        // Port 0 asks the OS for a free port (tests).
        guard (0...65535).contains(port) else { throw ConfigurationError("port \(port) is out of range 0-65535") }
        guard maxBodyBytes > 0 else { throw ConfigurationError("limits.max_body_bytes must be positive") }
        guard maxSeriesPerQuery > 0 else { throw ConfigurationError("limits.max_series_per_query must be positive") }
        if !isLoopback && apiKeys.isEmpty {
            throw ConfigurationError(
                "refusing to listen on \(host) without API keys: add auth.keys to the config file or bind to 127.0.0.1")
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
