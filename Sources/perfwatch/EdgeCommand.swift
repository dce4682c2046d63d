import ArgumentParser
import Foundation
import Logging
import PerfwatchConfig
import PerfwatchEdge
import PerfwatchEdgePolicy

struct EdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge",
        abstract: "Run the edge: a reverse proxy in front of your app's instances that reports to Perfwatch and applies its policies.",
        discussion: """
            Settings come from --config FILE.yml, then these flags (docs/edge.md). An invalid \
            file exits with status 2 and file:line: field: problem.

            Examples:
              perfwatch edge --config edge.yml
              perfwatch edge --listen 127.0.0.1:8080 --server http://127.0.0.1:4318 \\
                  --upstream http://127.0.0.1:3000 --upstream http://127.0.0.1:3001
            """)

    @Option(help: "YAML (or JSON) edge configuration file.")
    var config: String?

    @Option(help: "Address to listen on, host:port (default 127.0.0.1:8080).")
    var listen: String?

    @Option(help: "An upstream instance, http://host:port (repeat for each; replaces the file's list).")
    var upstream: [String] = []

    @Option(help: "The Perfwatch server to report to, http://host:port.")
    var server: String?

    @Option(help: "round_robin, least_requests or p2c_ewma.")
    var balancing: String?

    @Option(help: "This edge's instance name (default host:port it listens on).")
    var name: String?

    @Option(help: "Service name of the edge's telemetry (default edge).")
    var service: String?

    @Option(help: "API key for the server (or PERFWATCH_API_KEY).")
    var apiKey: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Flag(help: "Every request through the full HTTP pipeline (no byte-level fast path); for comparisons.")
    var noFastPath = false

    func run() async throws {
        CrashReporting.ensureFastBacktraces()
        let settings: EdgeConfiguration
        do {
            settings = try resolved()
        } catch {
            FileHandle.standardError.write(Data("perfwatch edge: \(error)\n".utf8))
            throw ExitCode(2)
        }
        // A port in use is named before anything starts (as `serve` does).
        let addresses = [(settings.listenHost, settings.listenPort, "--listen")] + (settings.adminListen.map { [($0.host, $0.port, "admin_listen")] } ?? [])
        for (host, port, setting) in addresses {
            if let problem = ListenAddressCheck.problem(host: host, port: port, setting: setting) {
                FileHandle.standardError.write(Data("perfwatch edge: \(problem)\n".utf8))
                throw ExitCode(1)
            }
        }
        StandardErrorLogging.bootstrap(levelName: logLevel)
        try await EdgeRuntime.run(settings, logger: Logger(label: "perfwatch.edge"))
    }

    /// The file, then the flags over it, checked.
    func resolved() throws(ConfigError) -> EdgeConfiguration {
        var settings = try config.map { file throws(ConfigError) in try EdgeConfiguration.load(file: file) } ?? EdgeConfiguration()
        if let listen {
            guard let address = EdgeConfiguration.parseAddress(listen) else {
                throw ConfigError(message: "expected host:port like 127.0.0.1:8080, got \"\(listen)\"", field: "--listen")
            }
            (settings.listenHost, settings.listenPort) = address
        }
        if !upstream.isEmpty {
            settings.upstreams = try upstream.map { text throws(ConfigError) in
                guard let url = EdgeConfiguration.normalizedBaseURL(text) else {
                    throw ConfigError(message: "expected an http:// URL with a host and no path, got \"\(text)\"", field: "--upstream")
                }
                return url
            }
        }
        if let server {
            guard let url = EdgeConfiguration.normalizedBaseURL(server) else {
                throw ConfigError(message: "expected an http:// URL with a host and no path, got \"\(server)\"", field: "--server")
            }
            settings.server = url
        }
        if let balancing {
            guard let value = EdgeConfiguration.Balancing(rawValue: balancing) else {
                let valid = EdgeConfiguration.Balancing.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigError(message: "expected one of \(valid), got \"\(balancing)\"", field: "--balancing")
            }
            settings.balancing = value
        }
        if let name { settings.name = name }
        if let service { settings.service = service }
        if noFastPath { settings.fastPath = false }
        if let key = apiKey ?? ProcessInfo.processInfo.environment["PERFWATCH_API_KEY"], !key.isEmpty { settings.apiKey = key }
        try settings.validate()
        return settings
    }
}
