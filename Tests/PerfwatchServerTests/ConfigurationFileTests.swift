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

    @Test("the analysis section sets the passes, the validator's waits and what is applied automatically")
    func analysisSection() throws {
        var configuration = ServerConfiguration()
        #expect(configuration.analysis == AnalysisSettings())
        try configuration.apply(yaml: """
            analysis:
              interval: 5s
              window: 10m
              validation: {min_after: 30s, min_requests: 20}
              auto_apply: [edge_compression]
            """, source: "perfwatch.yml")
        #expect(configuration.analysis.intervalMs == 5000 && configuration.analysis.windowMs == 600_000)
        #expect(configuration.analysis.validationMinAfterMs == 30_000 && configuration.analysis.validationMinRequests == 20)
        #expect(configuration.analysis.autoApply == ["edge_compression"])
    }

    @Test("errors name the file, the line and the field", arguments: [
        ("server:\n  host: 127.0.0.1\n  prot: 1\n", #"perfwatch.yml:3: server.prot: unknown key "prot"; valid keys: host, port"#),
        ("storage:\n  retention: {raw: forever}\n",
         #"perfwatch.yml:2: storage.retention.raw: expected a duration like 500ms, 1.5s, 5m or 1h30m, got "forever""#),
        ("http:\n  header_timeout: 0\n", #"perfwatch.yml:2: http.header_timeout: must be a duration longer than 0 like 10s, 2d or 400d, got "0""#),
        ("limits: {max_body_bytes: lots}\n", #"perfwatch.yml:1: limits.max_body_bytes: expected an integer, got "lots""#),
        ("rum:\n  keys: [{key: k}]\n", #"perfwatch.yml:2: rum.keys[0].origins: must list the page origins allowed (or "*")"#),
        ("analysis:\n  auto_apply: [edge_magic]\n",
         #"perfwatch.yml:2: analysis.auto_apply: 'edge_magic' cannot be applied automatically (one of edge_compression, edge_cache, edge_balancing, edge_images, db_index)"#),
        ("analysis:\n  validation: {min_requests: 0}\n", #"perfwatch.yml:2: analysis.validation.min_requests: expected a whole number ≥ 1, got "0""#),
        ("analysis:\n  validation: {min_after: soon}\n",
         #"perfwatch.yml:2: analysis.validation.min_after: expected a duration like 500ms, 1.5s, 5m or 1h30m, got "soon""#),
        ("alerting:\n  channels:\n    - {name: a, type: pager}\n    - {name: b, type: webhook}\n", """
            perfwatch.yml:3: alerting.channels[0].type: expected one of webhook, slack, email, in_app; got "pager"
            perfwatch.yml:4: alerting.channels[1].url: required field is missing
            """),
    ])
    func errors(yaml: String, message: String) {
        #expect(configurationError(yaml) == message)
    }
}
