import Foundation
@testable import PerfwatchIngest
import PerfwatchModel
import PerfwatchOTLP
import SwiftProtobuf
import Testing

/// Issue 13: one 657-byte export nesting attribute values as kvlist/array wedged the server —
/// every level re-quoted the level below, doubling the work per level. Now values render once
/// and nesting is capped at `OTLPAttributeText.maxDepth`, in all four OTLP decoders.
@Suite("OTLP attribute values: nested arrays and maps render linearly and nest at most 16 levels")
struct OTLPAttributeNestingTests {
    typealias AnyValue = Opentelemetry_Proto_Common_V1_AnyValue
    typealias KeyValue = Opentelemetry_Proto_Common_V1_KeyValue
    static let nowMs: Int64 = 1_795_000_000_000

    /// `levels` arrays/maps (alternating) around a string full of characters JSON escapes.
    static func nested(_ levels: Int) -> AnyValue {
        var value = AnyValue()
        value.stringValue = #"q"\"#
        for level in 0..<levels {
            var outer = AnyValue()
            if level.isMultiple(of: 2) {
                var array = Opentelemetry_Proto_Common_V1_ArrayValue()
                array.values = [value]
                outer.arrayValue = array
            } else {
                var list = Opentelemetry_Proto_Common_V1_KeyValueList()
                var pair = KeyValue()
                pair.key = "k"
                pair.value = value
                list.values = [pair]
                outer.kvlistValue = list
            }
            value = outer
        }
        return value
    }

    static func attribute(_ levels: Int) -> KeyValue {
        var pair = KeyValue()
        pair.key = "deep"
        pair.value = nested(levels)
        return pair
    }

    static func traceExport(_ levels: Int) throws -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var span = Opentelemetry_Proto_Trace_V1_Span()
        span.traceID = Data(repeating: 1, count: 16)
        span.spanID = Data(repeating: 2, count: 8)
        span.name = "GET /"
        span.startTimeUnixNano = 1_000
        span.endTimeUnixNano = 2_000
        span.attributes = [attribute(levels)]
        var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scope.spans = [span]
        var resource = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        resource.scopeSpans = [scope]
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        request.resourceSpans = [resource]
        return request
    }

    static func metricsExport(_ levels: Int) -> Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest {
        var point = Opentelemetry_Proto_Metrics_V1_NumberDataPoint()
        point.timeUnixNano = UInt64(nowMs - 1000) * 1_000_000
        point.asDouble = 1
        point.attributes = [attribute(levels)]
        var metric = Opentelemetry_Proto_Metrics_V1_Metric()
        metric.name = "queue.depth"
        metric.gauge.dataPoints = [point]
        var scope = Opentelemetry_Proto_Metrics_V1_ScopeMetrics()
        scope.metrics = [metric]
        var resource = Opentelemetry_Proto_Metrics_V1_ResourceMetrics()
        resource.scopeMetrics = [scope]
        var request = Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest()
        request.resourceMetrics = [resource]
        return request
    }

    /// The stored text of the `deep` attribute, through each of the four decoders.
    enum Path: CaseIterable {
        case tracesProtobuf, tracesJSON, metricsProtobuf, metricsJSON

        static func traceJSON(_ value: String) -> String {
            """
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0101010101010101010101010101010a","spanId":"020202020202020b",
             "name":"GET /","startTimeUnixNano":"1000","endTimeUnixNano":"2000","attributes":[{"key":"deep","value":\(value)}]}]}]}]}
            """
        }

        func decode(_ levels: Int) throws -> String? {
            switch self {
            case .tracesProtobuf:
                try OTLPProtobufTraceDecoder().decode(try traceExport(levels).serializedBytes()).spans.first?.attributes["deep"]
            case .tracesJSON:
                // OTLP/JSON ids are hex (SwiftProtobuf's JSON would write base64), so the export is spelled out.
                try OTLPJSONTraceDecoder().decode(Array(Self.traceJSON(try nested(levels).jsonString()).utf8)).spans.first?.attributes["deep"]
            case .metricsProtobuf:
                try OTLPMetricsMapper().decode(try metricsExport(levels).serializedBytes(), json: false, nowMs: nowMs)
                    .points.series.first?.key.labels["deep"]
            case .metricsJSON:
                try OTLPMetricsMapper().decode(try metricsExport(levels).jsonUTF8Bytes(), json: true, nowMs: nowMs)
                    .points.series.first?.key.labels["deep"]
            }
        }
    }

    @Test("nested values are nested JSON, each level quoted once", arguments: Path.allCases)
    func nestedJSON(path: Path) throws {
        #expect(try path.decode(1) == #"["q\"\\"]"#)
        #expect(try path.decode(2) == #"{"k":["q\"\\"]}"#)
        #expect(try path.decode(3) == #"[{"k":["q\"\\"]}]"#)
    }

    @Test("16 levels decode at once into text that grows by a few bytes per level", arguments: Path.allCases)
    func atTheLimit(path: Path) throws {
        let clock = ContinuousClock()
        var text: String?
        let elapsed = try clock.measure { text = try path.decode(OTLPAttributeText.maxDepth) }
        // Re-quoting per level made this 2^16 backslashes; linear rendering keeps it short.
        #expect(try #require(text).utf8.count < 200)
        #expect(elapsed < .seconds(1))
    }

    @Test("deeper than 16 levels (the wedging export went to 26 and 40) is a bad request naming the limit", arguments: Path.allCases)
    func tooDeep(path: Path) throws {
        let error = try #require(throws: PerfwatchError.self) { try path.decode(OTLPAttributeText.maxDepth + 1) }
        #expect(error.code == .badRequest)
        #expect(error.message.contains("deeper than 16 levels"))
        // Deeper still, SwiftProtobuf's own message depth limit may answer first (metrics): a 400 either way.
        for levels in [26, 40] {
            let error = try #require(throws: PerfwatchError.self) { try path.decode(levels) }
            #expect(error.code == .badRequest)
        }
    }

    @Test("a long array stops growing at the rendered-text cap, marked as truncated")
    func longArrayIsCapped() throws {
        var array = Opentelemetry_Proto_Common_V1_ArrayValue()
        var element = AnyValue()
        element.stringValue = String(repeating: "x", count: 1000)
        array.values = Array(repeating: element, count: 500)
        var value = AnyValue()
        value.arrayValue = array
        let rendered = try OTLPProtobufAttributes.rendered(value, depth: 1).text
        #expect(rendered.utf8.count < OTLPAttributeText.maxTextBytes + 1100)
        #expect(rendered.hasSuffix(SpanLimits.truncationMarker))
    }
}
