import PerfwatchForwarding
import PerfwatchModel
import PerfwatchStorage

/// A committed payload as ingest hands it over: a gauge, delta and cumulative counters, a
/// distribution (raw values), and two spans of one trace.
enum ForwardFixtures {
    static let timeMs: Int64 = 1_796_117_400_000

    static func payload() -> IngestPayload {
        var points = PointBatch()
        let labels = Labels(["route": "/checkout", "host": "web-1"])
        points.append(MetricPoint(series: SeriesKey(metric: "system.cpu.percent", labels: labels), kind: .gauge, unit: "%", sample: Sample(timeMs: timeMs, value: 42.5)))
        points.append(
            MetricPoint(
                series: SeriesKey(metric: "http_requests", labels: labels), kind: .counter, temporality: .delta, unit: "1", sample: Sample(timeMs: timeMs, value: 3)))
        points.append(
            MetricPoint(
                series: SeriesKey(metric: "http_requests_total", labels: labels), kind: .counter, temporality: .cumulative,
                sample: Sample(timeMs: timeMs, value: 1200)))
        for (offset, value) in [10.0, 20.0, 30.0, 40.0].enumerated() {
            points.append(
                MetricPoint(
                    series: SeriesKey(metric: "http.server.duration", labels: labels), kind: .distribution, unit: "ms",
                    sample: Sample(timeMs: timeMs + Int64(offset), value: value)))
        }
        let spans = [
            Span(
                traceID: "0af7651916cd43dd8448eb211c80319c", spanID: "b7ad6b7169203331", service: "checkout", name: "GET /checkout", kind: .server,
                startNs: timeMs * 1_000_000, durationNs: 25_000_000, status: .error, statusMessage: "boom", attributes: ["http.route": "/checkout"],
                resource: ["deployment.environment": "prod"]),
            Span(
                traceID: "0af7651916cd43dd8448eb211c80319c", spanID: "c7ad6b7169203332", parentSpanID: "b7ad6b7169203331", service: "checkout",
                name: "SELECT orders", kind: .client, startNs: timeMs * 1_000_000 + 1_000_000, durationNs: 5_000_000, resource: ["deployment.environment": "prod"]),
        ]
        return IngestPayload(points: points, spanBlocks: SpanBlockCodec.encodeBlocks(spans))
    }

    static func batch() -> ForwardBatch { ForwardBatch(payload: payload(), decodeSpans: true) }
}
