import Foundation
import Testing

@testable import PerfwatchLoad

/// Engine against a real in-process HTTP server. Serialized: parallel load runs would
/// compete for the two CPU cores and distort each other's timing.
@Suite(.serialized) struct LoadEngineTests {
    func scenario(port: Int, _ body: String) throws -> LoadScenario {
        try LoadScenario.parse(yaml: "config:\n  target: http://127.0.0.1:\(port)\n" + body)
    }

    @Test func knownServerDelaysAreReported() async throws {
        try await withTestServer { port, _ in
            let scenario = try scenario(port: port, """
                  phases: [{duration: 2s, arrivalRate: 20}]
                scenarios:
                  - {name: fast, flow: [{get: {url: /delay/50, name: d50}}]}
                  - {name: slow, flow: [{get: {url: /delay/120, name: d120}}]}
                """)
            let report = LoadReport(try await LoadEngine(scenario: scenario).run())
            #expect(report.requests.map(\.name) == ["d50", "d120"])
            for (request, delay) in zip(report.requests, [50.0, 120.0]) {
                #expect(request.count == 20)
                #expect(request.errors == 0)
                for summary in [request.latency, request.uncorrected] {
                    #expect(summary.p50 >= delay && summary.p50 < delay + 30, "\(request.name): \(summary)")
                    #expect(summary.p99 < delay + 60, "\(request.name): \(summary)")
                }
            }
        }
    }

    @Test func arrivalScheduleHoldsTheRequestedRate() async throws {
        try await withTestServer { port, _ in
            let scenario = try scenario(port: port, """
                  phases: [{duration: 3s, arrivalRate: 300/s}]
                scenarios: [{flow: [{get: {url: /delay/0}}]}]
                """)
            let result = try await LoadEngine(scenario: scenario).run()
            #expect(abs(Double(result.iterations) - 900) <= 18, "started \(result.iterations) of 900")
            let rate = try #require(result.achievedArrivalRate)
            #expect(abs(rate - 300) / 300 <= 0.02, "achieved \(rate)/s")
            #expect(result.dropped == 0)
            #expect(result.total.errorCount == 0)
            // The per-second series adds up to the requests completed.
            #expect(result.series.reduce(0) { $0 + $1.requests } == result.total.count)
        }
    }

    @Test func coordinatedOmissionIsCorrected() async throws {
        // 100/s through 2 connections; the server hangs 1 s (2 s → 3 s). Requests pile up
        // behind the stall: only the 2 in flight see it from the send, but ~100 arrivals
        // were delayed from their intended start.
        try await withTestServer { port, _ in
            var scenario = try scenario(port: port, """
                  phases: [{duration: 6s, arrivalRate: 100}]
                  connections: 2
                scenarios: [{flow: [{get: {url: /stall}}]}]
                """)
            scenario.connections = 2
            let report = LoadReport(try await LoadEngine(scenario: scenario, threads: 1).run())
            let stall = try #require(report.requests.first)
            #expect(stall.errors == 0)
            #expect(stall.latency.p99 >= 700, "corrected \(stall.latency)")
            #expect(stall.uncorrected.p99 < 150, "uncorrected \(stall.uncorrected)")
            #expect(stall.uncorrected.max >= 700, "the stalled requests themselves still show in max")
            #expect(report.dropped == 0)
        }
    }

    @Test func capturesAndSubstitution() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "user\nalice\nbob\n".write(to: directory.appendingPathComponent("users.csv"), atomically: true, encoding: .utf8)
        try await withTestServer { port, log in
            let scenario = try LoadScenario.parse(yaml: """
                config:
                  target: http://127.0.0.1:\(port)
                  phases: [{duration: 400ms, arrivalRate: 10}]
                  variables: {color: [red, blue]}
                  payload: {path: users.csv, fields: [user], skipHeader: true}
                scenarios:
                  - flow:
                      - post: {url: /login, json: {user: "{{ user }}"}, capture: [{json: "$.token", as: token}, {json: "$.user.id", as: id}]}
                      - get: {url: "/items/{{ id }}?v={{ color }}", headers: {Authorization: "Bearer {{ token }}"}, expect: {status: 200}}
                """, baseDirectory: directory)
            let result = try await LoadEngine(scenario: scenario).run()
            #expect(result.total.errorCount == 0)
            #expect(log.all.sorted() == ["32 blue Bearer tok-bob", "32 blue Bearer tok-bob", "52 red Bearer tok-alice", "52 red Bearer tok-alice"])
            #expect(log.allBodies.sorted() == [#"{"user":"alice"}"#, #"{"user":"alice"}"#, #"{"user":"bob"}"#, #"{"user":"bob"}"#])
        }
    }

    @Test func errorsAreClassified() async throws {
        try await withTestServer { port, _ in
            let scenario = try scenario(port: port, """
                  phases: [{duration: 500ms, arrivalRate: 20}]
                  timeout: 100ms
                scenarios:
                  - {flow: [{get: {url: /status/503, name: server-error}}]}
                  - {flow: [{get: {url: /delay/0, name: wrong-status, expect: {status: 201}}}]}
                  - {flow: [{get: {url: /delay/400, name: slow}}]}
                """)
            let result = try await LoadEngine(scenario: scenario).run()
            let byName = Dictionary(uniqueKeysWithValues: result.requests.map { ($0.name, $0) })
            let serverError = try #require(byName["server-error"])
            #expect(serverError.errors(.status) == serverError.count && serverError.count > 0)
            let wrongStatus = try #require(byName["wrong-status"])
            #expect(wrongStatus.errors(.expectation) == wrongStatus.count && wrongStatus.count > 0)
            let slow = try #require(byName["slow"])
            #expect(slow.errors(.timeout) == slow.count && slow.count > 0)
        }
    }

    @Test func unreachableTargetFailsFastWithOneClearError() async throws {
        let scenario = try LoadScenario.parse(yaml: """
            config: {target: "http://127.0.0.1:1", phases: [{duration: 10s, arrivalRate: 100}]}
            scenarios: [{flow: [{get: {url: /}}]}]
            """)
        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try await LoadEngine(scenario: scenario).run()
            Issue.record("the run should not start")
        } catch {
            #expect(error.code == .unreachable)
            #expect(error.message.hasPrefix("cannot connect to http://127.0.0.1:1"))
            #expect(error.message.contains("refused"))
        }
        #expect(clock.now - started < .seconds(1))
    }

    @Test func stopEndsTheRunGracefullyWithResults() async throws {
        try await withTestServer { port, _ in
            let scenario = try scenario(port: port, """
                  phases: [{duration: 30s, arrivalRate: 50}]
                scenarios: [{flow: [{get: {url: /delay/10}}]}]
                """)
            let engine = LoadEngine(scenario: scenario)
            let stopper = Task {
                try await Task.sleep(for: .seconds(1))
                engine.stop()
            }
            let clock = ContinuousClock()
            let started = clock.now
            let result = try await engine.run()
            _ = try await stopper.value
            #expect(clock.now - started < .seconds(4))
            #expect(result.interrupted)
            #expect(result.total.count >= 30)
            #expect(result.total.errorCount == 0)
        }
    }

    @Test func reportIsPushedToTheServer() async throws {
        try await withTestServer { port, log in
            var options = QuickOptions(url: "http://127.0.0.1:\(port)/delay/5")
            options.rate = "20/s"
            options.duration = "500ms"
            let report = LoadReport(try await LoadEngine(scenario: try LoadScenario.quick(options)).run())
            let answer = try await ReportUploader.push(report, server: "http://127.0.0.1:\(port)", apiKey: "k1")
            #expect(answer == #"{"id":"run-1"}"#)
            #expect(log.all == ["Bearer k1"])
            let pushed = try JSONDecoder().decode(LoadReport.self, from: Data(try #require(log.allBodies.first).utf8))
            #expect(pushed == report)
            #expect(pushed.requests.first?.count == 10)
            #expect(pushed.requests.first?.histogram.reduce(0) { $0 + $1[1] } == 10)
            #expect(pushed.scenario.hasPrefix("quick: GET http://127.0.0.1:\(port)/delay/5"))
        }
    }

    @Test func rejectedPushIsAnUploadError() async throws {
        try await withTestServer(rejectPushes: true) { port, _ in
            var options = QuickOptions(url: "http://127.0.0.1:\(port)/delay/0")
            options.duration = "200ms"
            let report = LoadReport(try await LoadEngine(scenario: try LoadScenario.quick(options)).run())
            await #expect(throws: LoadError(.upload, "the server answered 401 to POST http://127.0.0.1:\(port)/api/v1/load-runs: bad key")) {
                try await ReportUploader.push(report, server: "http://127.0.0.1:\(port)", apiKey: "wrong")
            }
        }
    }
}
