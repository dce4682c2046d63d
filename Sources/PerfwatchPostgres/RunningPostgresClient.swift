public import Logging
public import PostgresNIO

/// A `PostgresClient` with the task that runs it (postgres-nio serves queries only while `run()`
/// is running): made running, shut down once. The server owns one per configured database role.
public final class RunningPostgresClient: Sendable {
    public let client: PostgresClient
    /// For reaching the server directly when the pool cannot (see `PostgresCalls.diagnose`).
    public let configuration: PostgresClient.Configuration
    let runner: Task<Void, Never>

    public init(configuration: PostgresClient.Configuration, logger: Logger = Logger(label: "perfwatch.postgres")) {
        self.configuration = configuration
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
    }

    /// `url` is a `postgres://` URL; `readOnly` makes every transaction read-only (the advisor's
    /// reading role: even `EXPLAIN ANALYZE` of a writing statement cannot write).
    public convenience init(url: String, readOnly: Bool, statementTimeoutMs: Int = 10_000, logger: Logger = Logger(label: "perfwatch.postgres")) throws {
        var configuration = try PostgresConnectionSettings.configuration(url: url)
        configuration.options.maximumConnections = 2
        configuration.options.additionalStartupParameters = [
            ("application_name", "perfwatch-advisor"), ("statement_timeout", "\(statementTimeoutMs)"),
        ] + (readOnly ? [("default_transaction_read_only", "on")] : [])
        self.init(configuration: configuration, logger: logger)
    }

    /// Ends the run task: open connections close, waiting calls fail.
    public func shutdown() async {
        runner.cancel()
        await runner.value
    }
}
