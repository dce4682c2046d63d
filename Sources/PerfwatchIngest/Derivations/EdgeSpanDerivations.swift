import PerfwatchModel

/// Metrics derived from the spans `perfwatch edge` sends (one SERVER span per proxied request,
/// marked by `perfwatch.edge.cache`), the input of the edge analyzers (docs/edge.md):
/// - `edge.request.duration` (ms) by service, route, method, upstream, cache, status_class:
///   latency per upstream instance and per cache outcome;
/// - `edge.responses` (a counter of 1s) by service, route, method, repeat, cache_control,
///   set_cookie, authorized: how often a route's bodies repeat, and whether it is personalized;
/// - `edge.bytes_out` (bytes) by service, route, content_type, content_encoding;
/// - `edge.brotli_sample` / `edge.brotli_sample_compressed` (bytes) by service, route,
///   content_type: original and brotli size of the sampled uncompressed responses;
/// - `edge.image_sample` / `edge.image_sample_avif` (bytes) by service, route, content_type:
///   original and AVIF size of the sampled JPEG/PNG responses the edge sent as they came, and
///   `edge.image_samples` (a counter of 1s): how many were sampled.
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
        for (attribute, metric) in [("perfwatch.edge.brotli_bytes", "edge.brotli_sample"), ("perfwatch.edge.avif_bytes", "edge.image_sample")] {
            guard let smaller = bytes(attribute), let original = bytesOut else { continue }
            let labels = Labels(sortedPairs: [("content_type", contentType), ("route", route), ("service", service)])
            points.append(
                MetricPoint(
                    series: SeriesKey(metric: metric, labels: labels), kind: .counter, unit: "By",
                    sample: Sample(timeMs: timeMs, value: original)))
            points.append(
                MetricPoint(
                    series: SeriesKey(metric: metric == "edge.brotli_sample" ? "edge.brotli_sample_compressed" : "edge.image_sample_avif", labels: labels),
                    kind: .counter, unit: "By", sample: Sample(timeMs: timeMs, value: smaller)))
            if metric == "edge.image_sample" {
                points.append(
                    MetricPoint(series: SeriesKey(metric: "edge.image_samples", labels: labels), kind: .counter, sample: Sample(timeMs: timeMs, value: 1)))
            }
        }
    }
}
