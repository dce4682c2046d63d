import PerfwatchModel

/// `GET /api/v1/traces/:traceID`: every span of one trace for the waterfall, with its self time.
struct TraceResponse: Encodable {
    struct SpanEntry: Encodable {
        let spanId: String
        let parentSpanId: String
        let name: String
        let service: String
        let kind: String
        let startTime: Double
        let durationMs: Double
        let selfTimeMs: Double
        /// `ok`, `error` or `unset`.
        let status: String
        let statusMessage: String
        let attributes: [String: String]
        let events: [EventEntry]

        init(_ span: Span, selfTimeMs: Double) {
            spanId = span.spanID
            parentSpanId = span.parentSpanID
            name = span.name
            service = span.service
            kind = span.kind.name
            startTime = span.startMs
            durationMs = span.durationMs
            self.selfTimeMs = selfTimeMs
            status = span.status == .error ? "error" : span.status == .ok ? "ok" : "unset"
            statusMessage = span.statusMessage
            attributes = span.attributes
            events = span.events.map(EventEntry.init)
        }
    }

    struct EventEntry: Encodable {
        /// Unix milliseconds.
        let time: Double
        let name: String
        let attributes: [String: String]

        init(_ event: Span.Event) {
            time = Double(event.timeNs) / 1e6
            name = event.name
            attributes = event.attributes
        }
    }

    let traceId: String
    let spans: [SpanEntry]
}
