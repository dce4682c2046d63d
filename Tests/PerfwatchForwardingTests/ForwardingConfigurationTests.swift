import PerfwatchConfig
import PerfwatchForwarding
import Testing

@Suite("Forwarding configuration")
struct ForwardingConfigurationTests {
    static let environment = ["DD_API_KEY": "dd-key", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"]

    func parse(_ text: String, environment: [String: String] = Self.environment) throws(ConfigError) -> [ForwardDestination] {
        let root = try ConfigNode.parseYAML(text, file: "perfwatch.yml")
        return try ForwardDestination.parseList(try root.required("forwarding"), spool: root["spool"], environment: environment)
    }

    func error(_ text: String, environment: [String: String] = Self.environment) -> String {
        do {
            _ = try parse(text, environment: environment)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func readsEveryType() throws {
        let destinations = try parse(
            """
            forwarding:
              - name: datadog-otlp
                type: otlp
                url: https://otlp.example.com/v1/metrics
                headers: {api-key: "abc"}
                signals: [metrics, traces]
                metrics: ["http_*", "!debug_*"]
                compression: gzip
              - name: dd
                type: datadog
                site: datadoghq.eu
                api_key_env: DD_API_KEY
                retry: {initial: 100ms, max: 2s}
              - name: cw
                type: cloudwatch
                region: eu-west-1
                namespace: Perfwatch
                endpoint: http://127.0.0.1:9999
                access_key_id_env: AWS_ACCESS_KEY_ID
                secret_access_key_env: AWS_SECRET_ACCESS_KEY
                spool: {max_bytes: 1MiB}
            spool: {dir: /var/spool/perfwatch, max_bytes: 64MiB}
            """)
        #expect(destinations.map(\.name) == ["datadog-otlp", "dd", "cw"])
        #expect(destinations[0].kind == .otlp(metricsURL: "https://otlp.example.com/v1/metrics", tracesURL: "https://otlp.example.com/v1/traces", gzip: true))
        #expect(destinations[0].headers.map { "\($0.0)=\($0.1)" } == ["api-key=abc"])
        #expect(destinations[0].signals == [.metrics, .traces])
        #expect(destinations[0].wants(metric: "http_requests_total") && !destinations[0].wants(metric: "debug_x") && !destinations[0].wants(metric: "cpu"))
        #expect(destinations[1].kind == .datadog(seriesURL: "https://api.datadoghq.eu/api/v2/series", apiKey: "dd-key"))
        #expect(destinations[1].signals == [.metrics])
        #expect(destinations[1].backoff == .init(initial: .milliseconds(100), maximum: .seconds(2)))
        #expect(
            destinations[2].kind
                == .cloudwatch(
                    .init(endpoint: "http://127.0.0.1:9999/", region: "eu-west-1", namespace: "Perfwatch",
                          credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret"))))
        #expect(destinations[0].spoolDirectory == "/var/spool/perfwatch/datadog-otlp" && destinations[0].spoolMaxBytes == 64 << 20)
        #expect(destinations[2].spoolMaxBytes == 1 << 20)
    }

    @Test func otlpBaseURLGetsBothPaths() throws {
        let destinations = try parse("forwarding: [{name: c, type: otlp, url: \"http://collector:4318\"}]")
        #expect(destinations[0].kind == .otlp(metricsURL: "http://collector:4318/v1/metrics", tracesURL: "http://collector:4318/v1/traces", gzip: false))
        #expect(destinations[0].spoolDirectory == nil && destinations[0].spoolMaxBytes == ForwardDestination.defaultSpoolMaxBytes)
    }

    @Test func errorsNameFileLineAndField() {
        #expect(error("forwarding:\n  - name: x\n    type: kafka\n") == "perfwatch.yml:3: forwarding[0].type: unknown destination type \"kafka\"; valid types: otlp, datadog, cloudwatch")
        #expect(
            error("forwarding:\n  - name: x\n    type: otlp\n    url: ftp://host/x\n")
                == "perfwatch.yml:4: forwarding[0].url: expected an http:// or https:// URL with a host, got \"ftp://host/x\"")
        #expect(error("forwarding:\n  - name: x\n    type: cloudwatch\n").hasPrefix("perfwatch.yml:2: forwarding[0].region: required field is missing"))
        #expect(
            error("forwarding:\n  - name: x\n    type: datadog\n    api_key_env: NOPE\n")
                == "perfwatch.yml:4: forwarding[0].api_key_env: environment variable NOPE is not set")
        #expect(error("forwarding:\n  - name: x\n    type: cloudwatch\n    region: eu-west-1\n", environment: [:]).contains("environment variable AWS_ACCESS_KEY_ID is not set"))
        #expect(error("forwarding:\n  - name: x\n    type: datadog\n    api_key_env: DD_API_KEY\n    signals: [traces]\n").contains("a datadog destination cannot take traces"))
        #expect(error("forwarding:\n  - {name: x, type: otlp, url: \"http://a\", colour: red}\n").contains("unknown key \"colour\""))
        #expect(error("forwarding:\n  - {name: x, type: otlp, url: \"http://a\"}\n  - {name: x, type: otlp, url: \"http://b\"}\n").contains("already named"))
        #expect(error("forwarding:\n  - {name: x, type: otlp, url: \"http://a\", spool: {max_bytes: lots}}\n").contains("expected a size"))
        #expect(error("forwarding:\n  - {name: \"../x\", type: otlp, url: \"http://a\"}\n").contains("must be letters"))
    }
}
