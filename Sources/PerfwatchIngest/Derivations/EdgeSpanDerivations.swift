import PerfwatchModel

/// Metrics derived from the spans `perfwatch edge` sends (one SERVER span per proxied request,
/// marked by `perfwatch.edge.cache`), the input of the edge analyzers (docs/edge.md):
/// - `edge.request.duration` (ms) by service, route, method, upstream, cache, status_class:
///   latency per upstream instance and per cache outcome;
/// - `edge.responses` (a counter of 1s) by service, route, method, repeat, cache_control,
///   set_cookie, authorized: how often a route's bodies repeat, and whether it is personalized;
/// - `edge.bytes_out` (bytes) by service, route, content_type, content_encoding;
/// - `edge.brotli_sample` / `edge.brotli_sample_compressed` (bytes) by service, route,
///   content_type: original and brotli size of the sampled uncompressed responses.
/// Attribute values the edge did not send become "" (or "none" for cache_control), so one
/// edge version missing an attribute still lands in the same series shape.
enum EdgeSpanDerivations {
    static let marker = "perfwatch.edge.cache"

    static func append(
        _ span: Span, route: String, method: String, statusClass: String, timeMs: Int64, to points: inout PointBatch
    ) {
        guard let cache = span.attributes[marker] else { return }
        let attributes = span.attributes
        func text(_ name: String, default fallback: String = "") -> String { attributes[name] ?? fallback }
        func bytes(_ name: String) -> Double? {
            guard let text = attributes[name], let value = Double(text), value.isFinite, value >= 0 else { return nil }
            return value
        }
        let service = span.service
        points.append(
            MetricPoint(
                series: SeriesKey(
                    metric: "edge.request.duration",
                    labels: Labels(sortedPairs: [
                        ("cache", cache), ("method", method), ("route", route), ("service", service),
                        ("status_class", statusClass), ("upstream", text("perfwatch.edge.upstream")),
                    ])),
                kind: .distribution, unit: "ms", sample: Sample(timeMs: timeMs, value: span.durationMs)))
        points.append(
            MetricPoint(
                series: SeriesKey(
                    metric: "edge.responses",
                    labels: Labels(sortedPairs: [
                        ("authorized", text("perfwatch.edge.authorized", default: "false")),
                        ("cache_control", text("perfwatch.edge.cache_control", default: "none")), ("method", method),
                        ("repeat", text("perfwatch.edge.repeat")), ("route", route), ("service", service),
                        ("set_cookie", text("perfwatch.edge.set_cookie", default: "false")),
                    ])),
                kind: .counter, sample: Sample(timeMs: timeMs, value: 1)))
        let contentType = text("perfwatch.edge.content_type")
        let bytesOut = bytes("perfwatch.edge.bytes_out")
        if let bytesOut {
            points.append(
                MetricPoint(
                    series: SeriesKey(
                        metric: "edge.bytes_out",
                        labels: Labels(sortedPairs: [
                            ("content_encoding", text("perfwatch.edge.content_encoding", default: "identity")),
                            ("content_type", contentType), ("route", route), ("service", service),
                        ])),
                    kind: .counter, unit: "By", sample: Sample(timeMs: timeMs, value: bytesOut)))
        }
        // A sample pairs the body's size as sent (uncompressed) with its brotli size; both
        // counters move together so their ratio is the saving.
        if let compressed = bytes("perfwatch.edge.brotli_bytes"), let original = bytesOut {
            let labels = Labels(sortedPairs: [("content_type", contentType), ("route", route), ("service", service)])
            points.append(
                MetricPoint(
                    series: SeriesKey(metric: "edge.brotli_sample", labels: labels), kind: .counter, unit: "By",
                    sample: Sample(timeMs: timeMs, value: original)))
            points.append(
                MetricPoint(
                    series: SeriesKey(metric: "edge.brotli_sample_compressed", labels: labels), kind: .counter, unit: "By",
                    sample: Sample(timeMs: timeMs, value: compressed)))
        }
    }
}
