import PerfwatchServer
import Testing

/// Forwarding out (issue 19) as the server reads and shows it: the `forwarding:` section, its
/// spools under the data directory and the `perfwatch_forward_*` lines of `/metrics`.
@Suite("Forwarding in the server")
struct ForwardingServerTests {
    static let section = """
        forwarding:
          - {name: collector, type: otlp, url: "http://127.0.0.1:9", metrics: ["app_*"]}
        """

    @Test("a destination's counters are in /metrics")
    func metrics() async throws {
        try await withApp({ configuration in
            #expect(throws: Never.self) { try configuration.apply(yaml: Self.section, source: "perfwatch.yml") }
        }) { client in
            let text = try await client.get("/metrics").text
            #expect(text.contains("perfwatch_forward_sent_total{destination=\"collector\"} 0\n"))
            #expect(text.contains("perfwatch_forward_dropped_total{destination=\"collector\",reason=\"spool_full\"} 0\n"))
            #expect(text.contains("perfwatch_forward_spool_bytes{destination=\"collector\"} 0\n"))
            #expect(text.contains("perfwatch_forward_failures_total{destination=\"collector\"} 0\n"))
        }
    }

    @Test("without destinations /metrics has no forwarding lines")
    func noDestinations() async throws {
        try await withApp { client in
            let text = try await client.get("/metrics").text
            #expect(!text.contains("perfwatch_forward_"))
        }
    }

    @Test("errors name the file, the line and the field", arguments: [
        ("forwarding:\n  - {name: x, type: kafka}\n",
         #"perfwatch.yml:2: forwarding[0].type: unknown destination type "kafka"; valid types: otlp, datadog, cloudwatch"#),
        ("spool: {max_bytes: 1MiB}\n", "perfwatch.yml:1: spool: sets the forwarding spool; it needs a forwarding: section"),
    ])
    func errors(yaml: String, message: String) {
        #expect(configurationError(yaml) == message)
    }
}
