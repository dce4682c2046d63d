import ArgumentParser
import Foundation
import PerfwatchLoad

/// `perfwatch load`: runs a load test from a scenario file or quick-mode flags.
///
/// Exit codes: 0 passed, 1 a threshold failed, 2 configuration error or unreachable target,
/// 3 the run finished but pushing it to `--server` failed.
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

            Scenario file format and report JSON: docs/load-run.md.

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
        let scenario: LoadScenario
        do {
            scenario = try makeScenario()
        } catch {
            Self.printError(error)
            throw ExitCode(2)
        }
        let engine = LoadEngine(scenario: scenario, threads: threads)
        let interrupt = InterruptHandler { engine.stop() }
        defer { interrupt.cancel() }
        let isTerminal = isatty(STDOUT_FILENO) == 1
        print("\(scenario.name): \(describe(scenario)) → \(scenario.target.description), \(scenario.connections) connections")
        let result: LoadResult
        do {
            result = try await engine.run { progress in
                if isTerminal {
                    print("\r\u{1B}[2K" + progress.line, terminator: "")
                    fflush(nil)
                } else if Int(progress.elapsed.rounded()) % 5 == 0 {
                    print(progress.line)
                }
            }
        } catch {
            if isTerminal { print("") }
            Self.printError(error)
            throw ExitCode(2)
        }
        if isTerminal { print("") }
        let report = LoadReport(result)
        print("")
        print(report.table(), terminator: "")
        if let out {
            do {
                try report.write(to: out)
                print("report written to \(out)")
            } catch {
                Self.printError(error)
                throw ExitCode(2)
            }
        }
        if let server {
            do {
                _ = try await ReportUploader.push(report, server: server, apiKey: apiKey)
                print("run pushed to \(server)")
            } catch {
                Self.printError(error)
                throw ExitCode(report.exitCode == 0 ? 3 : report.exitCode)
            }
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    private func makeScenario() throws -> LoadScenario {
        var scenario: LoadScenario
        if let path = self.scenario {
            if url != nil { throw LoadError(.configuration, "give either a scenario file or --url, not both") }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LoadError(.configuration, "cannot read scenario file \(path)")
            }
            let file = URL(fileURLWithPath: path)
            scenario = try LoadScenario.parse(
                yaml: String(decoding: data, as: UTF8.self), name: file.deletingPathExtension().lastPathComponent,
                baseDirectory: file.deletingLastPathComponent(), file: path)
        } else if let url {
            var options = QuickOptions(url: url)
            options.method = method
            options.rate = rate
            options.duration = duration
            options.concurrency = concurrency
            options.connections = connections
            options.headers = headers
            options.body = body
            options.timeout = timeout
            scenario = try LoadScenario.quick(options)
        } else {
            throw LoadError(.configuration, "give a scenario file or --url (see --help)")
        }
        if let connections {
            guard connections > 0 else { throw LoadError(.configuration, "--connections: expected a number ≥ 1, got \(connections)") }
            scenario.connections = connections
        }
        if let name { scenario.name = name }
        return scenario
    }

    private func describe(_ scenario: LoadScenario) -> String {
        switch scenario.mode {
        case .open(let phases):
            let rates = phases.map { phase in
                let rate = "\(Int(phase.arrivalRate.rounded()))/s"
                return phase.rampTo.map { "\(rate)→\(Int($0.rounded()))/s" } ?? rate
            }
            return "open model, \(rates.joined(separator: ", ")) for \(Int(scenario.duration.components.seconds))s"
        case .closed(let users, let duration):
            return "closed model, \(users) users for \(Int(duration.components.seconds))s"
        }
    }

    static func printError(_ error: any Error) {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }
}
