import ArgumentParser
import PerfwatchHTTPClient

@main
struct Perfwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perfwatch",
        abstract: "Performance monitoring for web applications, in one binary.",
        discussion: """
            Start the server, then send metrics to it:
              perfwatch serve
              curl -X POST localhost:4318/api/v1/metrics -d '{"metrics":[{"name":"api.request.duration","kind":"timing","value":123}]}'
            """,
        subcommands: [ServeCommand.self, EdgeCommand.self, DemoCommand.self, LoadCommand.self, BudgetCommand.self, DeployCommand.self, StoreCommand.self, KeysCommand.self],
        defaultSubcommand: nil)

    /// ArgumentParser's own `main`, plus closing the shared outbound HTTP client (alert
    /// notifications, `load --server`, `demo`, `deploy`, `budget`) before the process exits.
    static func main() async {
        // `perfwatch --version` alone: ArgumentParser's `version:` would also take a subcommand's own
        // `--version` option (`deploy mark --version 1.4.2`).
        if CommandLine.arguments.dropFirst() == ["--version"] {
            print(PerfwatchVersion.text)
            return
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            await OutboundHTTP.shutdown()
        } catch {
            await OutboundHTTP.shutdown()
            exit(withError: error)
        }
    }
}
