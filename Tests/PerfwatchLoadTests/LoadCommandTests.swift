import ArgumentParser
import Foundation
import PerfwatchLoad
import Testing

@testable import perfwatch

@Suite(.serialized) struct LoadCommandTests {
    func writeScenario(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).yml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func exitCode(_ arguments: [String]) async throws -> Int32 {
        do {
            let command = try LoadCommand.parse(arguments)
            try await command.run()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        }
    }

    @Test func failedThresholdExitsOneAndStillWritesTheReport() async throws {
        try await withTestServer { port, _ in
            let file = try writeScenario("""
                config:
                  target: http://127.0.0.1:\(port)
                  phases: [{duration: 1s, arrivalRate: 10}]
                  thresholds: {p99: 5ms, error_rate: 1%}
                scenarios: [{flow: [{get: {url: /delay/30}}]}]
                """)
            let out = file + ".json"
            #expect(try await exitCode([file, "--out", out]) == 1)
            let report = try JSONDecoder().decode(LoadReport.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
            #expect(!report.passed)
            #expect(report.thresholds.map(\.name) == ["p99", "error_rate"])
            #expect(report.thresholds.map(\.passed) == [false, true])
        }
    }

    @Test func passingThresholdsExitZero() async throws {
        try await withTestServer { port, _ in
            let file = try writeScenario("""
                config:
                  target: http://127.0.0.1:\(port)
                  phases: [{duration: 1s, arrivalRate: 10}]
                  thresholds: {p99: 2s}
                scenarios: [{flow: [{get: {url: /delay/1}}]}]
                """)
            #expect(try await exitCode([file]) == 0)
        }
    }

    @Test func configurationErrorsExitTwo() async throws {
        let file = try writeScenario("config: {target: http://127.0.0.1:1, phasez: []}\nscenarios: []\n")
        #expect(try await exitCode([file]) == 2)
        #expect(try await exitCode(["--url", "http://127.0.0.1:8080/", "--rate", "fast"]) == 2)
        #expect(try await exitCode(["--url", "http://127.0.0.1:1/", "--duration", "1s"]) == 2, "unreachable target")
        #expect(try await exitCode([]) == 2)
    }
}
