import Foundation
import PerfwatchIngest
import PerfwatchModel
import PerfwatchOTLP
import SwiftProtobuf
import Testing

@Suite("OTLP trace decoding")
struct OTLPTraceDecoderTests {
    static let traceID = Data((1...16).map { UInt8($0) })

    func request(spans: [Opentelemetry_Proto_Trace_V1_Span]) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        var attribute = Opentelemetry_Proto_Common_V1_KeyValue()
        attribute.key = "service.name"
        attribute.value.stringValue = "checkout"
        resourceSpans.resource.attributes = [attribute]
        var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scope.spans = spans
        resourceSpans.scopeSpans = [scope]
        request.resourceSpans = [resourceSpans]
        return request
    }

    func span(id: UInt8, traceID: Data = traceID, start: UInt64 = 1_000, end: UInt64 = 5_000) -> Opentelemetry_Proto_Trace_V1_Span {
        var span = Opentelemetry_Proto_Trace_V1_Span()
        span.traceID = traceID
        span.spanID = Data([0, 0, 0, 0, 0, 0, 0, id])
        span.name = "GET /cart"
        span.kind = .server
        span.startTimeUnixNano = start
        span.endTimeUnixNano = end
        var attribute = Opentelemetry_Proto_Common_V1_KeyValue()
        attribute.key = "http.response.status_code"
        attribute.value.intValue = 200
        span.attributes = [attribute]
        span.status.code = .error
        return span
    }

    @Test("protobuf: valid spans decode; invalid ones are counted with reasons")
    func protobuf() throws {
        let bytes: [UInt8] = try request(spans: [
            span(id: 1), span(id: 2, traceID: Data(repeating: 0, count: 16)), span(id: 3, traceID: Data([1, 2, 3])), span(id: 4, start: 9, end: 8),
        ]).serializedBytes()
        let decoded = try OTLPProtobufTraceDecoder().decode(bytes)
        #expect(decoded.spans.count == 1)
        #expect(decoded.rejected == 3)
        let first = try #require(decoded.spans.first)
        #expect(first.traceID == "0102030405060708090a0b0c0d0e0f10")
        #expect(first.spanID == "0000000000000001")
        #expect(first.service == "checkout")
        #expect(first.kind == .server)
        #expect(first.durationNs == 4_000)
        #expect(first.status == .error)
        #expect(first.attributes["http.response.status_code"] == "200")
        #expect(decoded.errorMessage.contains("all zero"))
    }

    @Test("protobuf: garbage is a bad request; a wrong wire type is skipped as an unknown field; an empty body is an empty export")
    func garbage() throws {
        #expect(throws: PerfwatchError.self) { try OTLPProtobufTraceDecoder().decode([0xFF, 0xFF, 0xFF, 0x01, 0x02]) }
        // Field 1 (resource_spans, length-delimited) sent as a varint: SwiftProtobuf keeps it as an
        // unknown field, so nothing is stored and nothing breaks.
        #expect(try OTLPProtobufTraceDecoder().decode([0x08, 0x01]).spans.isEmpty)
        // A length that runs past the end is malformed.
        #expect(throws: PerfwatchError.self) { try OTLPProtobufTraceDecoder().decode([0x0A, 0x7F, 0x01]) }
        #expect(try OTLPProtobufTraceDecoder().decode([]).spans.isEmpty)
    }

    @Test("JSON: hex ids, string nanos, enum ints, attributes of every kind")
    func json() throws {
        let body = #"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"web"}}]},
             "scopeSpans":[{"spans":[
              {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b173",
               "name":"SELECT","kind":3,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000",
               "attributes":[{"key":"db.system","value":{"stringValue":"mysql"}},{"key":"n","value":{"intValue":"42"}},
                             {"key":"ok","value":{"boolValue":true}},{"key":"arr","value":{"arrayValue":{"values":[{"stringValue":"a"}]}}}],
               "events":[{"timeUnixNano":"1544712660500000000","name":"retry","attributes":[]}],
               "status":{"code":2,"message":"boom"}},
              {"traceId":"zz8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"bad","startTimeUnixNano":"1","endTimeUnixNano":"2"}
             ]}]}]}
            """#
        let decoded = try OTLPJSONTraceDecoder().decode(Array(body.utf8))
        #expect(decoded.rejected == 1)
        let span = try #require(decoded.spans.first)
        #expect(span.service == "web")
        #expect(span.kind == .client)
        #expect(span.parentSpanID == "eee19b7ec3c1b173")
        #expect(span.durationNs == 1_000_000_000)
        #expect(span.attributes["n"] == "42")
        #expect(span.attributes["ok"] == "true")
        #expect(span.attributes["arr"] == "[\"a\"]")
        #expect(span.events.first?.name == "retry")
        #expect(span.status == .error)
        #expect(span.statusMessage == "boom")
    }

    @Test("attribute limits truncate with a marker")
    func limits() throws {
        var big = span(id: 1)
        big.attributes = (0..<500).map { index in
            var pair = Opentelemetry_Proto_Common_V1_KeyValue()
            pair.key = "k\(index)"
            pair.value.stringValue = index == 0 ? String(repeating: "x", count: 100_000) : "v"
            return pair
        }
        let decoded = try OTLPProtobufTraceDecoder().decode(try request(spans: [big]).serializedBytes())
        let attributes = try #require(decoded.spans.first?.attributes)
        #expect(attributes.count == 128)
        #expect(attributes["k0"]?.hasSuffix(SpanLimits.truncationMarker) == true)
        #expect(attributes["perfwatch.dropped_attributes"] == "373")
    }
}
