import Foundation
import PerfwatchLoad
import Testing

/// `perfwatch load`'s exit codes, through ``LoadInvocation`` (what the command fills in).
@Suite(.serialized) struct LoadInvocationTests {
    func writeScenario(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).yml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func quick(_ url: String, rate: String = "10/s", duration: String = "10s") -> LoadInvocation {
        var options = QuickOptions(url: url)
        options.rate = rate
        options.duration = duration
        return LoadInvocation(quick: options)
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
            var invocation = LoadInvocation(scenarioFile: file)
            invocation.out = file + ".json"
            #expect(await invocation.run() == 1)
            let report = try JSONDecoder().decode(LoadReport.self, from: Data(contentsOf: URL(fileURLWithPath: file + ".json")))
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
            #expect(await LoadInvocation(scenarioFile: file).run() == 0)
        }
    }

    @Test func configurationErrorsExitTwo() async throws {
        let file = try writeScenario("config: {target: http://127.0.0.1:1, phasez: []}\nscenarios: []\n")
        #expect(await LoadInvocation(scenarioFile: file).run() == 2)
        #expect(await quick("http://127.0.0.1:8080/", rate: "fast").run() == 2)
        #expect(await quick("http://127.0.0.1:1/", duration: "1s").run() == 2, "unreachable target")
        #expect(await LoadInvocation().run() == 2)
        var both = quick("http://127.0.0.1:8080/")
        both.scenarioFile = file
        #expect(await both.run() == 2, "a scenario file and --url")
    }

    @Test func failedPushExitsThreeWhenTheRunPassed() async throws {
        try await withTestServer(rejectPushes: true) { port, _ in
            var invocation = quick("http://127.0.0.1:\(port)/delay/0", duration: "200ms")
            invocation.server = "http://127.0.0.1:\(port)"
            invocation.apiKey = "wrong"
            #expect(await invocation.run() == 3)
        }
    }
}
