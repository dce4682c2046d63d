import PerfwatchModel
@testable import PerfwatchServer
import PerfwatchStorage
import Testing

@Suite("OpenTelemetry → Prometheus names (docs/promql.md table)")
struct PrometheusNamingTests {
    static func info(_ metric: String, _ kind: MetricKind, _ temporality: Temporality, _ unit: String) -> SeriesInfo {
        SeriesInfo(id: 1, key: SeriesKey(metric: metric, labels: Labels()), kind: kind, temporality: temporality, unit: unit)
    }

    @Test("what each ingest path stores, as PromQL sees it", arguments: [
        // Span-derived metrics.
        ("http.server.duration", MetricKind.distribution, Temporality.delta, "ms", "http_server_duration_milliseconds"),
        ("db.query.duration", .distribution, .delta, "ms", "db_query_duration_milliseconds"),
        ("db.query.calls_per_trace", .distribution, .delta, "calls", "db_query_calls_per_trace"),
        ("http.server.errors", .counter, .delta, "", "http_server_errors_total"),
        ("edge.bytes_out", .counter, .delta, "By", "edge_bytes_out_total"),
        // RUM.
        ("rum.lcp", .distribution, .delta, "ms", "rum_lcp_milliseconds"),
        ("rum.cls", .distribution, .delta, "", "rum_cls"),
        ("rum.resource.bytes", .distribution, .delta, "bytes", "rum_resource_bytes"),
        // JSON API: timings, delta counters, gauges.
        ("checkout.latency", .distribution, .delta, "ms", "checkout_latency_milliseconds"),
        ("orders", .counter, .delta, "", "orders_total"),
        ("orders_total", .counter, .delta, "", "orders_total"),
        ("queue_depth", .gauge, .cumulative, "", "queue_depth"),
        // OTLP.
        ("http.client.request.duration", .distribution, .delta, "s", "http_client_request_duration_seconds"),
        ("system.network.io", .counter, .cumulative, "By", "system_network_io_bytes_total"),
        ("system.cpu.utilization", .gauge, .cumulative, "1", "system_cpu_utilization_ratio"),
        ("app.requests", .counter, .cumulative, "{requests}", "app_requests_total"),
        ("app.throughput", .gauge, .cumulative, "By/s", "app_throughput_bytes_per_second"),
        ("process.runtime.heap", .gauge, .cumulative, "MiBy", "process_runtime_heap_mebibytes"),
        ("9lives", .gauge, .cumulative, "ms", "_9lives_milliseconds"),
        // Prometheus text and remote write: unchanged.
        ("http_requests_total", .counter, .cumulative, "", "http_requests_total"),
        ("process_cpu_seconds_total", .counter, .cumulative, "", "process_cpu_seconds_total"),
        ("http_server_duration_bucket", .counter, .cumulative, "", "http_server_duration_bucket"),
        ("node_load1", .gauge, .cumulative, "", "node_load1"),
        ("job:rate5m", .gauge, .cumulative, "", "job:rate5m"),
    ])
    func names(metric: String, kind: MetricKind, temporality: Temporality, unit: String, expected: String) {
        #expect(PrometheusNaming.exposedName(Self.info(metric, kind, temporality, unit)) == expected)
    }

    @Test("label names and the aliases an equality matcher accepts")
    func labelsAndAliases() {
        #expect(PrometheusNaming.labelName("http.route") == "http_route")
        #expect(PrometheusNaming.labelName("1st") == "_1st")
        #expect(PrometheusNaming.labelName("service") == "service")
        let aliases = PrometheusNaming.aliases(Self.info("http.server.duration", .distribution, .delta, "ms"))
        #expect(aliases == ["http.server.duration", "http_server_duration"])
    }
}
