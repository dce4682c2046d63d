import Foundation
import Testing

@testable import PerfwatchLoad

@Suite struct ScenarioParsingTests {
    func parseError(_ yaml: String) -> LoadError? {
        do {
            _ = try LoadScenario.parse(yaml: yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test func fullScenarioIsRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "alice,secret\n\"bob, jr\",pw2\n".write(to: directory.appendingPathComponent("users.csv"), atomically: true, encoding: .utf8)
        let yaml = """
            config:
              target: http://localhost:8080/api
              phases:
                - {name: warm, duration: 30s, arrivalRate: 5, rampTo: "50/s"}
                - {duration: 2m, arrivalRate: 3000/m}
              connections: 16
              timeout: 1500ms
              defaults: {headers: {User-Agent: perfwatch}}
              variables: {color: [red, blue], site: main}
              payload: {path: users.csv, fields: [user, password]}
              thresholds: {p95: 200ms, p99: 1s, error_rate: 1%}
            scenarios:
              - name: browse
                weight: 3
                flow:
                  - post: {url: /login, json: {user: "{{ user }}"}, capture: [{json: "$.token", as: token}], expect: {status: [200, 201]}}
                  - think: 1s
                  - get: {url: "/items?color={{ color }}", headers: {Authorization: "Bearer {{ token }}"}}
            """
        let scenario = try LoadScenario.parse(yaml: yaml, baseDirectory: directory)
        #expect(scenario.target == (try LoadTarget(url: "http://localhost:8080/api", field: "t")))
        guard case .open(let phases) = scenario.mode else {
            Issue.record("expected open mode")
            return
        }
        #expect(phases == [
            Phase(name: "warm", duration: .seconds(30), arrivalRate: 5, rampTo: 50),
            Phase(name: "phase 2", duration: .seconds(120), arrivalRate: 50),
        ])
        #expect(scenario.connections == 16)
        #expect(scenario.requestTimeout == .milliseconds(1500))
        #expect(scenario.payload?.rows == [["alice", "secret"], ["bob, jr", "pw2"]])
        #expect(scenario.thresholds == [
            Threshold(metric: .p95, limit: 200_000), Threshold(metric: .p99, limit: 1_000_000), Threshold(metric: .errorRate, limit: 0.01),
        ])
        #expect(scenario.flows[0].weight == 3)
        guard case .request(let login) = scenario.flows[0].steps[0], case .think(let think) = scenario.flows[0].steps[1] else {
            Issue.record("unexpected steps")
            return
        }
        #expect(login.method == "POST")
        #expect(login.body == #"{"user":"{{ user }}"}"#)
        #expect(login.captures == [Capture(jsonPath: "$.token", variable: "token")])
        #expect(login.expectStatus == [200, 201])
        #expect(think == .seconds(1))
    }

    @Test func closedModeIsRead() throws {
        let scenario = try LoadScenario.parse(yaml: """
            config: {target: "http://127.0.0.1:9000", mode: closed, concurrency: 20, duration: 1h}
            scenarios: [{flow: [{get: {url: /}}]}]
            """)
        guard case .closed(let users, let duration) = scenario.mode else {
            Issue.record("expected closed mode")
            return
        }
        #expect(users == 20)
        #expect(duration == .seconds(3600))
        #expect(scenario.connections == 20)
    }

    @Test func invalidYAMLNamesLineAndColumn() {
        let error = parseError("config:\n  target: http://x\n  phases: [ {duration: 1s\nscenarios: []\n")
        #expect(error?.code == .configuration)
        #expect(error?.message.hasPrefix("line 4: YAML syntax error: ") == true, "\(String(describing: error))")
        #expect(error?.message.hasSuffix("(column 10)") == true, "\(String(describing: error))")
    }

    @Test func unknownKeyListsValidKeys() {
        let error = parseError("""
            config:
              target: http://localhost:8080
              phasez: []
            scenarios: []
            """)
        #expect(error?.message == """
            line 3: config.phasez: unknown key "phasez"; valid keys: name, target, mode, phases, concurrency, \
            duration, connections, queue, timeout, connectTimeout, defaults, variables, payload, thresholds
            """)
        let stepError = parseError("""
            config: {target: "http://localhost:8080", phases: [{duration: 1s, arrivalRate: 1}]}
            scenarios: [{flow: [{fetch: {url: /}}]}]
            """)
        #expect(stepError?.message.hasPrefix("line 2: scenarios[0].flow[0].fetch: unknown key \"fetch\"") == true)
        #expect(stepError?.message.hasSuffix("valid keys: get, post, put, patch, delete, head, think") == true)
    }

    @Test func nonNumericRateAndDurationNameTheField() {
        let rate = parseError("""
            config: {target: "http://localhost:8080", phases: [{duration: 10s, arrivalRate: fast}]}
            scenarios: [{flow: [{get: {url: /}}]}]
            """)
        #expect(rate?.message == #"line 1: config.phases[0].arrivalRate: expected a number like 50 or "50/s", got "fast""#)
        let duration = parseError("""
            config: {target: "http://localhost:8080", phases: [{duration: 1s, arrivalRate: 5}, {duration: soon, arrivalRate: 5}]}
            scenarios: [{flow: [{get: {url: /}}]}]
            """)
        #expect(duration?.message == #"line 1: config.phases[1].duration: expected a duration like 500ms, 1.5s, 5m or 1h30m, got "soon""#)
        let think = parseError("""
            config: {target: "http://localhost:8080", phases: [{duration: 1s, arrivalRate: 5}]}
            scenarios: [{flow: [{think: later}]}]
            """)
        #expect(think?.message == #"line 2: scenarios[0].flow[0].think: expected a duration like 500ms, 1.5s, 5m or 1h30m, got "later""#)
        do {
            _ = try LoadScenario.parse(yaml: "config:\n  target: \"ftp://x\"\nscenarios: []\n", file: "smoke.yml")
            Issue.record("an ftp:// target was accepted")
        } catch {
            #expect(error.message == #"smoke.yml:2: config.target: expected an http:// URL like http://localhost:8080, got "ftp://x""#)
        }
    }

    @Test func quickModeFlagsAreValidated() {
        var options = QuickOptions(url: "http://localhost:8080/")
        options.rate = "lots"
        #expect(throws: LoadError(.configuration, #"--rate: expected a number like 50 or "50/s", got "lots""#)) {
            try LoadScenario.quick(options)
        }
        options.rate = "500/s"
        options.duration = "1 minute"
        #expect(throws: LoadError(.configuration, #"--duration: expected a duration like 500ms, 1s or 2m, got "1 minute""#)) {
            try LoadScenario.quick(options)
        }
        #expect(throws: LoadError.self) { try LoadScenario.quick(QuickOptions(url: "localhost:8080")) }
    }

    @Test func unknownVariableIsAConfigurationError() throws {
        let scenario = try LoadScenario.parse(yaml: """
            config: {target: "http://localhost:8080", phases: [{duration: 1s, arrivalRate: 5}], variables: {id: [1, 2]}}
            scenarios: [{flow: [{get: {url: "/items/{{ idd }}"}}]}]
            """)
        #expect(throws: LoadError(.configuration, #"scenarios[0].flow[0]: unknown variable "idd" in GET /items/{{ idd }}; defined here: id"#)) {
            try CompiledPlan(scenario)
        }
    }

    @Test func notations() throws {
        #expect(LoadNotation.rate("50") == 50)
        #expect(LoadNotation.rate("50/s") == 50)
        #expect(LoadNotation.rate("3000/m") == 50)
        #expect(LoadNotation.rate("fast") == nil)
        // Durations are DurationText (PerfwatchModelTests); the load notation keeps a bare number as seconds.
        var options = QuickOptions(url: "http://127.0.0.1:9000/")
        options.duration = "30"
        options.timeout = "1.5"
        let scenario = try LoadScenario.quick(options)
        #expect(scenario.duration == .seconds(30))
        #expect(scenario.requestTimeout == .milliseconds(1500))
        options.duration = "1h30m"
        #expect(try LoadScenario.quick(options).duration == .seconds(5400))
    }

    @Test func templatesAndJSONPaths() {
        let template = Template("/items/{{ id }}?q={{name}}")
        #expect(template.render(["id": "7", "name": "x"]) == "/items/7?q=x")
        #expect(Template(#"{"a":"{{ v }}"}"#).render(["v": "say \"hi\""], escape: Template.jsonEscape) == #"{"a":"say \"hi\""}"#)
        let body = Array(#"{"data":{"items":[{"id":5,"ok":true},{"id":"b"}]}}"#.utf8)
        #expect(JSONPath("$.data.items[0].id")?.extract(from: body) == "5")
        #expect(JSONPath("$.data.items[-1].id")?.extract(from: body) == "b")
        #expect(JSONPath("$.data.items[0].ok")?.extract(from: body) == "true")
        #expect(JSONPath("$['data'].missing")?.extract(from: body) == nil)
        #expect(JSONPath("data.items") == nil)
    }
}
