import ArgumentParser

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
        subcommands: [ServeCommand.self, DemoCommand.self, LoadCommand.self, BudgetCommand.self, DeployCommand.self, StoreCommand.self, KeysCommand.self],
        defaultSubcommand: nil)
}
