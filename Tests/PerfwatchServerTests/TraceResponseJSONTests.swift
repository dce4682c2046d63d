import PerfwatchModel
import Testing

@testable import PerfwatchServer

/// A trace's spans write their own JSON (`TraceResponse+JSON.swift`); this pins that text to what the
/// generic encoder writes for the same fields: declared key order, escapes, whole numbers without a
/// fraction, sorted attribute keys, events in order.
@Suite struct TraceResponseJSONTests {
    @Test("the self-written span JSON is the encoder's text, field for field")
    func spanText() throws {
        let span = Span(
            traceID: "t1", spanID: "s\"2", parentSpanID: "", service: "shop", name: "GET /a\nb", kind: .server,
            startNs: 1_700_000_000_000_000_000, durationNs: 12_345_678, status: .error, statusMessage: "boom",
            attributes: ["z": "1", "a": "é\u{01}"],
            events: [Span.Event(timeNs: 1_700_000_000_001_500_000, name: "exception", attributes: ["k": "v"])])
        let response = TraceResponse(traceId: "t1", spans: [TraceResponse.SpanEntry(span, selfTimeMs: 3)])
        let text = try CompactJSONEncoder().encode(response)
        #expect(
            text == #"{"traceId":"t1","spans":[{"spanId":"s\"2","parentSpanId":"","name":"GET /a\nb","service":"shop","kind":"server","#
                + #""startTime":1700000000000,"durationMs":12.345678,"selfTimeMs":3,"status":"error","statusMessage":"boom","#
                + #""attributes":{"a":"é\u0001","z":"1"},"events":[{"time":1700000000001.5,"name":"exception","attributes":{"k":"v"}}]}]}"#)
    }

    @Test("a span without events or attributes writes empty containers")
    func emptySpan() throws {
        let span = Span(traceID: "t", spanID: "s", service: "x", name: "n", kind: .internal, startNs: 0, durationNs: 0)
        let text = try CompactJSONEncoder().encode(TraceResponse.SpanEntry(span, selfTimeMs: .nan))
        #expect(text.hasSuffix(#""selfTimeMs":null,"status":"unset","statusMessage":"","attributes":{},"events":[]}"#))
    }
}
