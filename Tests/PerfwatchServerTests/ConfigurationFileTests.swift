import PerfwatchAlerting
import PerfwatchServer
import Testing

/// `perfwatch.yml` through the one configuration reader: parsed once (the `alerting:` section too),
/// every error `file:line: field: problem`.
@Suite("The configuration file")
struct ConfigurationFileTests {
    @Test("the alerting section is read with the rest of the file into typed values")
    func alertingSection() throws {
        var configuration = ServerConfiguration()
        try configuration.apply(yaml: """
            server: {port: 5000}
            alerting:
              channels: [{name: hook, type: webhook, url: "http://127.0.0.1:9/x", timeout: 1.5s}]
              routes: [{channels: [hook]}]
            """, source: "perfwatch.yml")
        #expect(configuration.port == 5000)
        #expect(configuration.alerting?.channels.map(\.name) == ["hook"])
        #expect(configuration.alerting?.channels.first?.timeout == .milliseconds(1500))
        #expect(ServerConfiguration().alerting == nil)
    }

    @Test("errors name the file, the line and the field", arguments: [
        ("server:\n  host: 127.0.0.1\n  prot: 1\n", #"perfwatch.yml:3: server.prot: unknown key "prot"; valid keys: host, port"#),
        ("storage:\n  retention: {raw: forever}\n",
         #"perfwatch.yml:2: storage.retention.raw: expected a duration like 500ms, 1.5s, 5m or 1h30m, got "forever""#),
        ("http:\n  header_timeout: 0\n", #"perfwatch.yml:2: http.header_timeout: must be a duration longer than 0 like 10s, 2d or 400d, got "0""#),
        ("limits: {max_body_bytes: lots}\n", #"perfwatch.yml:1: limits.max_body_bytes: expected an integer, got "lots""#),
        ("rum:\n  keys: [{key: k}]\n", #"perfwatch.yml:2: rum.keys[0].origins: must list the page origins allowed (or "*")"#),
        ("alerting:\n  channels:\n    - {name: a, type: pager}\n    - {name: b, type: webhook}\n", """
            perfwatch.yml:3: alerting.channels[0].type: expected one of webhook, slack, email, in_app; got "pager"
            perfwatch.yml:4: alerting.channels[1].url: required field is missing
            """),
    ])
    func errors(yaml: String, message: String) {
        var configuration = ServerConfiguration()
        do {
            try configuration.apply(yaml: yaml, source: "perfwatch.yml")
            Issue.record("accepted: \(yaml)")
        } catch let error as ConfigurationError {
            #expect(error.description == message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
