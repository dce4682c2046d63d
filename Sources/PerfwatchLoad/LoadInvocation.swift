import Foundation

/// One `perfwatch load` run as the command line describes it: builds the scenario, runs it,
/// prints the tables, writes and pushes the report, and gives the exit code. The
/// ArgumentParser command only fills this in, so the tests drive it without the executable.
///
/// Exit codes: 0 passed, 1 a threshold failed, 2 configuration error or unreachable target,
/// 3 the run finished but pushing it to `--server` failed.
public struct LoadInvocation: Sendable {
    /// Scenario file (YAML); `nil` for quick mode.
    public var scenarioFile: String?
    /// Quick mode (`--url` and its flags); `nil` with a scenario file.
    public var quick: QuickOptions?
    public var connections: Int?
    public var threads: Int?
    public var name: String?
    public var out: String?
    public var server: String?
    public var apiKey: String?

    public init(scenarioFile: String? = nil, quick: QuickOptions? = nil) {
        self.scenarioFile = scenarioFile
        self.quick = quick
    }

    /// Runs and returns the exit code; errors are printed to stderr.
    public func run() async -> Int32 {
        let scenario: LoadScenario
        do {
            scenario = try makeScenario()
        } catch {
            Self.printError(error)
            return 2
        }
        let engine = LoadEngine(scenario: scenario, threads: threads)
        let interrupt = InterruptHandler { engine.stop() }
        defer { interrupt.cancel() }
        let isTerminal = isatty(STDOUT_FILENO) == 1
        print("\(scenario.name): \(Self.describe(scenario)) → \(scenario.target.description), \(scenario.connections) connections")
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
            return 2
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
                return 2
            }
        }
        if let server {
            do {
                _ = try await ReportUploader.push(report, server: server, apiKey: apiKey)
                print("run pushed to \(server)")
            } catch {
                Self.printError(error)
                return report.exitCode == 0 ? 3 : report.exitCode
            }
        }
        return report.exitCode
    }

    func makeScenario() throws -> LoadScenario {
        var scenario: LoadScenario
        if let path = scenarioFile {
            if quick != nil { throw LoadError(.configuration, "give either a scenario file or --url, not both") }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LoadError(.configuration, "cannot read scenario file \(path)")
            }
            let file = URL(fileURLWithPath: path)
            scenario = try LoadScenario.parse(
                yaml: String(decoding: data, as: UTF8.self), name: file.deletingPathExtension().lastPathComponent,
                baseDirectory: file.deletingLastPathComponent(), file: path)
        } else if var quick {
            quick.connections = connections
            scenario = try LoadScenario.quick(quick)
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

    static func describe(_ scenario: LoadScenario) -> String {
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
