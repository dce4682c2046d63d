import ArgumentParser
import Foundation
import Logging
import PerfwatchServer
import PerfwatchStorage
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: ingest, storage, query API and dashboard on one port.",
        discussion: """
            Settings come from defaults, then --config FILE.yml, then PERFWATCH_* environment \
            variables, then these flags; each overrides the one before.

            Examples:
              perfwatch serve
              perfwatch serve --port 9000 --data /var/lib/perfwatch
              PERFWATCH_PORT=9000 perfwatch serve --config perfwatch.yml
            """)

    @Option(help: "Address to listen on (default 127.0.0.1; any other needs API keys).")
    var host: String?

    @Option(help: "Port to listen on (default 4318, the OTLP/HTTP port).")
    var port: Int?

    @Option(help: "Data directory (default ./perfwatch-data).")
    var data: String?

    @Option(help: "YAML configuration file.")
    var config: String?

    @Option(help: "Directory of alert rule files (*.yml); reloaded on SIGHUP and POST /api/v1/rules/reload.")
    var rules: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        CrashReporting.ensureFastBacktraces()
        // A configuration error is printed alone and exits 2 (as `budget` and `load` do): the root
        // usage text after it only buried the line that says what is wrong (issue 15).
        var settings: ServerConfiguration
        do {
            settings = try ServerConfiguration.loaded(configFile: config)
            if let host { settings.host = host }
            if let port { settings.port = port }
            if let data { settings.dataDirectory = data }
            if let rules { settings.rulesDirectory = rules }
            try settings.validate()
        } catch {
            // ConfigurationError, or the reader's ConfigError: both say file:line: field: problem.
            FileHandle.standardError.write(Data("perfwatch serve: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if let problem = ListenAddressCheck.problem(host: settings.host, port: settings.port) {
            FileHandle.standardError.write(Data("perfwatch serve: \(problem)\n".utf8))
            throw ExitCode(1)
        }

        StandardErrorLogging.bootstrap(levelName: logLevel)
        let logger = Logger(label: "perfwatch")
        let app: any Service
        do {
            app = try await buildApplication(configuration: settings, logger: logger)
        } catch let error as DamagedStoreError {
            logger.critical("cannot start: \(error)")
            throw ExitCode(DamagedStoreError.exitStatus)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
                logger: logger))
        try await group.run()
        logger.notice("perfwatch stopped")
    }
}
