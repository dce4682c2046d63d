public import PerfwatchModel

/// Metrics derived from spans at ingest, so every route's RED metrics and every query
/// fingerprint are ordinary, queryable series:
/// - SERVER spans → `http.server.duration` (ms) tagged service, route, method, status_class,
///   version; plus `http.server.errors` (a counter of 1s) for error spans, so
///   error rate = sum(errors) / count(duration). SERVER spans from `perfwatch edge` also give
///   the `edge.*` metrics (`EdgeSpanDerivations`).
/// - spans with `db.system` → `db.query.duration` (ms) tagged service, db_system, operation,
///   fingerprint; the normalized statement is returned once per fingerprint. Per trace and
///   fingerprint, `db.query.calls_per_trace` (same tags plus `route`, the trace's entry route
///   when its SERVER span is in the same export) records how many times the trace ran that
///   query, so calls per trace (and N+1 patterns per route) are ordinary distributions too. A trace
///   counts once per export it appears in: an SDK exports a trace's spans together unless the
///   trace straddles a batch boundary.
public enum SpanDerivations {
    public struct Output: Sendable {
        public var points = PointBatch()
        /// fingerprint → normalized statement text.
        public var statements: [String: String] = [:]
    }

    /// Derives metrics from `spans`, filling in each database span's `dbFingerprint`.
    public static func derive(from spans: inout [Span]) -> Output {
        var output = Output()
        var callsPerTrace: [CallsKey: (calls: Int, timeMs: Int64)] = [:]
        var entryRoutes: [String: String] = [:]
        for span in spans where span.kind == .server && entryRoutes[span.traceID] == nil {
            entryRoutes[span.traceID] = route(of: span)
        }
        for index in spans.indices {
            let span = spans[index]
            let timeMs = (span.startNs + span.durationNs) / 1_000_000
            if span.kind == .server {
                // Keys in sorted order, one array: a dictionary per span, or a copy per added
                // pair, was a visible share of ingest.
                let method = span.attributes["http.request.method"] ?? span.attributes["http.method"] ?? ""
                let route = route(of: span)
                let statusClass = statusClass(of: span)
                var pairs: [(key: String, value: String)] = [
                    ("method", method), ("route", route), ("service", span.service), ("status_class", statusClass),
                ]
                if let version = span.resource["service.version"] { pairs.append(("version", version)) }
                let labels = Labels(sortedPairs: pairs)
                output.points.append(
                    MetricPoint(
                        series: SeriesKey(metric: "http.server.duration", labels: labels), kind: .distribution, unit: "ms",
                        sample: Sample(timeMs: timeMs, value: span.durationMs)))
                if span.isError {
                    output.points.append(
                        MetricPoint(
                            series: SeriesKey(metric: "http.server.errors", labels: labels), kind: .counter,
                            sample: Sample(timeMs: timeMs, value: 1)))
                }
                EdgeSpanDerivations.append(
                    span, route: route, method: method, statusClass: statusClass, timeMs: timeMs, to: &output.points)
            }
            if let system = span.attributes["db.system"] ?? span.attributes["db.system.name"] {
                let statement = span.attributes["db.statement"] ?? span.attributes["db.query.text"] ?? span.name
                let normalized = SQLFingerprint.normalize(statement)
                let fingerprint = SQLFingerprint.fingerprint(ofNormalized: normalized)
                output.statements[fingerprint] = normalized
                spans[index].dbFingerprint = fingerprint
                let operation = span.attributes["db.operation"] ?? span.attributes["db.operation.name"]
                    ?? SQLFingerprint.operation(ofNormalized: normalized)
                let labels = Labels(sortedPairs: [
                    ("db_system", system), ("fingerprint", fingerprint), ("operation", operation), ("service", span.service),
                ])
                output.points.append(
                    MetricPoint(
                        series: SeriesKey(metric: "db.query.duration", labels: labels), kind: .distribution, unit: "ms",
                        sample: Sample(timeMs: timeMs, value: span.durationMs)))
                let key = CallsKey(traceID: span.traceID, labels: labels)
                let previous = callsPerTrace[key]
                callsPerTrace[key] = ((previous?.calls ?? 0) + 1, min(previous?.timeMs ?? timeMs, timeMs))
            }
        }
        for (key, value) in callsPerTrace.sorted(by: { $0.value.timeMs < $1.value.timeMs }) {
            output.points.append(
                MetricPoint(
                    series: SeriesKey(metric: "db.query.calls_per_trace", labels: key.labels.adding("route", entryRoutes[key.traceID] ?? "")),
                    kind: .distribution, unit: "calls",
                    sample: Sample(timeMs: value.timeMs, value: Double(value.calls))))
        }
        return output
    }

    struct CallsKey: Hashable {
        var traceID: String
        var labels: Labels
    }

    /// `http.route` when the instrumentation knows it, else the path made into a pattern.
    public static func route(of span: Span) -> String {
        if !span.route.isEmpty { return span.route }
        if let route = span.attributes["http.route"], !route.isEmpty { return route }
        if let path = span.attributes["url.path"] ?? span.attributes["http.target"] ?? span.attributes["url.full"]
            ?? span.attributes["http.url"]
        {
            return RouteNormalizer.pattern(forPath: path)
        }
        return span.name
    }

    static func statusClass(of span: Span) -> String {
        let code = span.attributes["http.response.status_code"] ?? span.attributes["http.status_code"]
        if let code, let first = code.first, code.count == 3 { return "\(first)xx" }
        return span.isError ? "error" : "unknown"
    }
}
