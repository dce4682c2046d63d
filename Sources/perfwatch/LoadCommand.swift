import ArgumentParser
import PerfwatchLoad

/// `perfwatch load`: the options of a ``LoadInvocation`` (PerfwatchLoad), which runs the test
/// and gives the exit code.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Generate HTTP load (open model, coordinated-omission corrected) and report latencies.",
        discussion: """
            Iterations start on the arrival schedule whether or not earlier ones finished, and latency is measured both from the intended start (corrected) and from the send.

            Examples:
              perfwatch load --url http://localhost:8080/ --rate 500/s --duration 1m
              perfwatch load --url http://localhost:8080/api --method POST \\
                  --body '{"a":1}' -H 'Content-Type: application/json' --rate 50
              perfwatch load --url http://localhost:8080/ --concurrency 20 --duration 1h
              perfwatch load checkout.yml --out report.json
              perfwatch load checkout.yml --server http://perfwatch:4318 --api-key $KEY

            Scenario file format and report JSON: docs/formats/load-run.md.

            Exit codes: 0 passed, 1 a threshold failed, 2 configuration error or unreachable target, 3 the report could not be pushed to --server.
            """
    )

    @Argument(help: "Scenario file (YAML). Omit to use quick mode with --url.")
    var scenario: String?

    @Option(help: "Quick mode: the URL to load.")
    var url: String?

    @Option(help: "Quick mode: arrival rate, e.g. 500, 500/s or 3000/m.")
    var rate: String = "10/s"

    @Option(help: "Quick mode: run length, e.g. 30s, 2m.")
    var duration: String = "10s"

    @Option(help: "Quick mode: HTTP method.")
    var method: String = "GET"

    @Option(name: [.customShort("H"), .customLong("header")], help: "Quick mode: request header \"Name: value\" (repeatable).")
    var headers: [String] = []

    @Option(help: "Quick mode: request body.")
    var body: String?

    @Option(help: "Quick mode: closed model with this many users back to back instead of --rate.")
    var concurrency: Int?

    @Option(help: "Quick mode: request timeout, e.g. 5s.")
    var timeout: String?

    @Option(help: "Maximum keep-alive connections (overrides config.connections).")
    var connections: Int?

    @Option(help: "Event-loop threads (default: cores, at most 4).")
    var threads: Int?

    @Option(help: "Run name in reports (default: the file name).")
    var name: String?

    @Option(help: "Write the JSON report to this file.")
    var out: String?

    @Option(help: "Push the finished run to this Perfwatch server (POST /api/v1/load-runs).")
    var server: String?

    @Option(help: "API key for --server (sent as Authorization: Bearer).")
    var apiKey: String?

    func run() async throws {
        var invocation = LoadInvocation(scenarioFile: scenario)
        if let url {
            var quick = QuickOptions(url: url)
            quick.method = method
            quick.rate = rate
            quick.duration = duration
            quick.concurrency = concurrency
            quick.headers = headers
            quick.body = body
            quick.timeout = timeout
            invocation.quick = quick
        }
        invocation.connections = connections
        invocation.threads = threads
        invocation.name = name
        invocation.out = out
        invocation.server = server
        invocation.apiKey = apiKey
        let code = await invocation.run()
        if code != 0 { throw ExitCode(code) }
    }
}
