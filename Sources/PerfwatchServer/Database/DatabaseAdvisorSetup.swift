import Logging
import PerfwatchAnalysis
import PerfwatchModel
import PerfwatchPostgres
import PerfwatchQuery
import PerfwatchStorage
import ServiceLifecycle

/// The database advisor's parts, built once from the `databases:` section: a read-only connection
/// pool per database (the monitoring role), a second one where `apply_url` is set, the service that
/// runs the passes and the `db_index` optimizations. With no database configured it runs nothing.
struct DatabaseAdvisorComponents: Sendable {
    let service: DatabaseAdvisorService
    let indexes: DatabaseIndexOptimizations
    /// The services to run: the passes and, last to stop, the connection pools.
    let services: [any Service]

    static func make(
        configuration: ServerConfiguration, engine: QueryEngine, spans: any SpanStore, optimizations: any OptimizationStore, logger: Logger
    ) throws -> DatabaseAdvisorComponents {
        var clients: [RunningPostgresClient] = []
        var databases: [DatabaseAdvisorService.Database] = []
        var writers: [String: any DatabaseWriter] = [:]
        // postgres-nio's pool logs every reconnect attempt at info level while a database is down; the
        // advisor's own status and back-off already say so once (the API, the page, one warning per failure).
        var clientLogger = logger
        clientLogger.logLevel = max(logger.logLevel, .warning)
        for database in configuration.databases {
            let reader = try RunningPostgresClient(url: database.url, readOnly: true, logger: clientLogger)
            clients.append(reader)
            var writer: (any DatabaseWriter)?
            if let applyURL = database.applyURL {
                // Building an index concurrently can take long on a big table: no statement timeout
                // beyond the lock timeout the writer sets.
                let client = try RunningPostgresClient(url: applyURL, readOnly: false, statementTimeoutMs: 0, logger: clientLogger)
                clients.append(client)
                writer = PostgresDatabaseWriter(client: client)
                writers[database.name] = writer
            }
            databases.append(
                DatabaseAdvisorService.Database(
                    configuration: database, source: PostgresDatabaseSource(client: reader),
                    settings: DatabaseAdvisorSettings(allowAnalyze: database.allowAnalyze), writer: writer))
        }
        let indexes = DatabaseIndexOptimizations(
            optimizations: optimizations, writers: writers, automatic: configuration.analysis.autoApply.contains(DatabaseIndexChange.optimizationType),
            logger: logger)
        let reader = FingerprintUsageReader(engine: engine, spans: spans)
        let windowMs = configuration.analysis.windowMs
        let service = DatabaseAdvisorService(
            databases: databases,
            evidence: { nowMs in
                do {
                    return DatabaseAdvisorService.SpanEvidence(
                        usage: try await reader.usage(from: nowMs - windowMs, to: nowMs, nowMs: nowMs),
                        peakConcurrency: try await reader.peakConcurrency(from: nowMs - windowMs, to: nowMs, nowMs: nowMs))
                } catch {
                    logger.error("reading query fingerprints for the database advisor failed", metadata: ["error": "\(error)"])
                    return DatabaseAdvisorService.SpanEvidence()
                }
            },
            afterPass: { report, _ in
                do { try await indexes.propose(report, nowMs: report.generatedMs) } catch {
                    logger.error("proposing index optimizations failed", metadata: ["database": "\(report.database)", "error": "\(error)"])
                }
            }, logger: logger)
        let services: [any Service] = databases.isEmpty ? [] : [PostgresClientsShutdown(clients: clients), service]
        return DatabaseAdvisorComponents(service: service, indexes: indexes, services: services)
    }
}

/// Closes the advisor's connection pools once everything after it in the service list has stopped.
struct PostgresClientsShutdown: Service {
    let clients: [RunningPostgresClient]

    func run() async throws {
        try? await gracefulShutdown()
        for client in clients { await client.shutdown() }
    }
}
