import PerfwatchAlerting
import Testing

@Suite struct ConfigurationTests {
    static let config = """
        server:
          port: 4318
        alerting:
          external_url: http://perfwatch.test
          channels:
            - {name: pager, type: webhook, url: "http://127.0.0.1:9/hook", timeout: 2s}
            - {name: chat, type: slack, url: "http://127.0.0.1:9/slack"}
            - name: mail
              type: email
              smtp: {host: 127.0.0.1, port: 2525, from: pw@example.com, to: [oncall@example.com], username: u, password: p, tls: none}
            - {name: dashboard, type: in_app}
          routes:
            - match: ["severity=critical", "service=~shop|cart"]
              channels: [pager, mail]
              group_by: [alertname, service]
              group_wait: 5s
              group_interval: 1m
              repeat_interval: 2h
              continue: true
              escalate: [{after: 15m, channels: [chat]}]
            - match: []
              channels: [dashboard]
          delivery: {max_attempts: 3, initial_backoff: 500ms, max_backoff: 10s}
        """

    @Test func parsesTheAlertingSection() throws {
        let configuration = try AlertingConfiguration.parse(yaml: Self.config, file: "perfwatch.yml", section: "alerting")
        #expect(configuration.externalURL == "http://perfwatch.test")
        #expect(configuration.channels.map(\.kind) == [.webhook, .slack, .email, .inApp])
        #expect(configuration.channels[0].timeout == .seconds(2))
        #expect(configuration.channels[2].smtp == SMTPSettings(host: "127.0.0.1", port: 2525, from: "pw@example.com", to: ["oncall@example.com"], username: "u", password: "p", tls: .none))
        let route = configuration.routes[0]
        #expect(route.matchers.map(\.description) == ["severity=critical", "service=~shop|cart"])
        #expect(route.groupBy == ["alertname", "service"])
        #expect(route.groupWait == .seconds(5))
        #expect(route.groupInterval == .seconds(60))
        #expect(route.repeatInterval == .seconds(7200))
        #expect(route.continueMatching)
        #expect(route.escalate == [EscalationStep(after: .seconds(900), channels: ["chat"])])
        #expect(configuration.routes[1].matchers.isEmpty)
        #expect(configuration.delivery == DeliveryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(500), maxBackoff: .seconds(10)))
        #expect(configuration.delivery.backoff(afterAttempt: 1) == .milliseconds(500))
        #expect(configuration.delivery.backoff(afterAttempt: 3) == .seconds(2))
        #expect(configuration.delivery.backoff(afterAttempt: 10) == .seconds(10))
    }

    @Test func tlsOptions() throws {
        let yaml = """
            channels:
              - {name: hook, type: webhook, url: "https://hooks.example.com/x", insecure_skip_verify: true}
              - {name: mail, type: email, smtp: {host: smtp.example.com, from: a@x, to: [b@x], tls: implicit}}
              - {name: mail587, type: email, smtp: {host: smtp.example.com, port: 587, from: a@x, to: [b@x], tls: starttls}}
            """
        let configuration = try AlertingConfiguration.parse(yaml: yaml)
        #expect(configuration.channels[0].tls == TLSClientSettings(caFile: nil, insecureSkipVerify: true))
        #expect(configuration.channels[1].smtp?.port == 465, "implicit TLS defaults to port 465")
        #expect(configuration.channels[1].tls == TLSClientSettings())
        #expect(configuration.channels[2].smtp?.port == 587)
        #expect(configuration.channels[2].smtp?.tls == .starttls)
    }

    @Test func absentSectionGivesTheDefault() throws {
        #expect(try AlertingConfiguration.parse(yaml: "server: {port: 1}", section: "alerting") == .default)
    }

    @Test(arguments: [
        ("channels: [{name: a, type: pager}]", "channels[0].type", "expected one of webhook, slack, email, in_app"),
        ("channels: [{name: a, type: webhook, url: \"ftp://hooks.example.com/x\"}]", "channels[0].url", "expected an http:// or https:// URL"),
        ("channels: [{name: a, type: webhook, url: \"https://h/x\", ca_file: /nonexistent/ca.pem}]", "channels[0].ca_file", "cannot read CA certificates from /nonexistent/ca.pem"),
        ("channels: [{name: a, type: webhook, url: \"https://h/x\", insecure_skip_verify: maybe}]", "channels[0].insecure_skip_verify", ""),
        ("channels: [{name: a, type: webhook}]", "channels[0].url", "required field is missing"),
        ("channels: [{name: a, type: webhook, url: \"http://x/\", timeout: soon}]", "channels[0].timeout", "expected a duration"),
        ("channels: [{name: a, type: email, smtp: {host: h, from: f, to: [t], tls: ssl}}]", "channels[0].smtp.tls", "expected one of none, starttls, implicit"),
        ("channels: [{name: a, type: in_app}]\nroutes: [{match: [\"severity=~(\"], channels: [a]}]", "routes[0].match[0]", "invalid regular expression"),
        ("channels: [{name: a, type: in_app}]\nroutes: [{match: [\"severity\"], channels: [a]}]", "routes[0].match[0]", "expected a matcher"),
        ("channels: [{name: a, type: in_app}]\nroutes: [{channels: [b]}]", "routes[0].channels", "unknown channel \"b\""),
        ("channels: [{name: a, type: in_app}]\nroutes: [{channels: [a], group_wait: 1x}]", "routes[0].group_wait", "expected a duration"),
        ("channels: [{name: a, type: in_app}]\nroutes: [{channels: [a], escalate: [{after: 15m, channels: [nope]}]}]", "routes[0].escalate[0].channels", "unknown channel"),
    ])
    func errorsNameTheField(yaml: String, field: String, message: String) {
        do {
            _ = try AlertingConfiguration.parse(yaml: yaml, file: "perfwatch.yml")
            Issue.record("expected an error for \(yaml)")
        } catch {
            let first = error.errors.first
            #expect(first?.field == field)
            #expect(first?.message.contains(message) == true, "\(String(describing: first))")
            #expect(first?.file == "perfwatch.yml")
            #expect(first?.line != nil)
        }
    }

    @Test func reportsEveryProblemAtOnce() {
        let yaml = "channels: [{name: a, type: pager}, {name: b, type: webhook}]\nroutes: [{channels: [zzz]}]"
        do {
            _ = try AlertingConfiguration.parse(yaml: yaml)
            Issue.record("expected errors")
        } catch {
            #expect(error.errors.map(\.field) == ["channels[0].type", "channels[1].url", "routes[0].channels"])
        }
    }
}
