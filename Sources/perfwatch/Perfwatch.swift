import ArgumentParser
import Foundation
import PerfwatchHTTPClient

@main
struct Perfwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perfwatch",
        abstract: "Performance monitoring for web applications, in one binary.",
        discussion: """
            Start the server, then send metrics to it:
              perfwatch serve
              curl -X POST localhost:4318/api/v1/metrics \\
                -d '{"metrics":[{"name":"api.latency","kind":"timing","value":123}]}'
            """,
        subcommands: [ServeCommand.self, EdgeCommand.self, DemoCommand.self, LoadCommand.self, AuditCommand.self, BudgetCommand.self, DeployCommand.self, StoreCommand.self, KeysCommand.self, ImagesCommand.self],
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
        // `perfwatch audit --help` printed the root help with exit 0 (issue 15): ArgumentParser reads `--help`
        // before it finds the unknown word. A first word that is no command is an error that names the commands.
        let commands = configuration.subcommands.map { $0.configuration.commandName ?? "" }
        if let first = CommandLine.arguments.dropFirst().first, !first.hasPrefix("-"), !commands.contains(first) {
            FileHandle.standardError.write(Data("perfwatch: unknown command '\(first)'; the commands are \(commands.joined(separator: ", ")) (perfwatch --help)\n".utf8))
            Foundation.exit(2)
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
            // Bad arguments exit 2, as every command's bad input does (ArgumentParser's own code is 64).
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
