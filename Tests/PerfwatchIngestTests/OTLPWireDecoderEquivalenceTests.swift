import Foundation
@testable import PerfwatchIngest
import PerfwatchModel
import PerfwatchOTLP
import PerfwatchTesting
import SwiftProtobuf
import Testing

/// The hand-written trace decoder against the generated one (SwiftProtobuf, the reference):
/// on generated exports with every attribute kind, and on thousands of mutations of them.
@Suite("OTLP wire decoder matches the generated decoder")
struct OTLPWireDecoderEquivalenceTests {
    typealias Request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
    typealias ProtoSpan = Opentelemetry_Proto_Trace_V1_Span
    typealias AnyValue = Opentelemetry_Proto_Common_V1_AnyValue
    typealias KeyValue = Opentelemetry_Proto_Common_V1_KeyValue

    /// What the server did before the wire decoder: generated messages, mapped field by field.
    static func reference(_ bytes: [UInt8]) throws -> OTLPTraces {
        let request = try Request(serializedBytes: bytes)
        var result = OTLPTraces()
        let builder = OTLPSpanBuilder()
        for resourceSpans in request.resourceSpans {
            let resource = try OTLPProtobufAttributes.attributes(resourceSpans.resource.attributes)
            let service = OTLPSpanBuilder.service(from: resource)
            for scopeSpans in resourceSpans.scopeSpans {
                for span in scopeSpans.spans {
                    var fields = OTLPSpanBuilder.Fields()
                    fields.traceID = [UInt8](span.traceID)
                    fields.spanID = [UInt8](span.spanID)
                    fields.parentSpanID = [UInt8](span.parentSpanID)
                    fields.name = span.name
                    fields.kind = span.kind.rawValue
                    fields.startNs = span.startTimeUnixNano
                    fields.endNs = span.endTimeUnixNano
                    fields.statusCode = span.status.code.rawValue
                    fields.statusMessage = span.status.message
                    fields.attributes = try OTLPProtobufAttributes.attributes(span.attributes)
                    fields.events = try span.events.map {
                        Span.Event(timeNs: Int64(clamping: $0.timeUnixNano), name: $0.name, attributes: try OTLPProtobufAttributes.attributes($0.attributes))
                    }
                    switch builder.build(fields, service: service, resource: resource) {
                    case .success(let built): result.spans.append(built)
                    case .failure(let rejection): result.reject(rejection.message)
                    }
                }
            }
        }
        return result
    }

    static func anyValue(_ rng: inout SeededGenerator, depth: Int = 0) -> AnyValue {
        var value = AnyValue()
        switch Int.random(in: 0..<(depth < 2 ? 7 : 5), using: &rng) {
        case 0: value.stringValue = ["", "GET", "héllo \"quoted\"\n", String(repeating: "x", count: Int.random(in: 1...40, using: &rng))].randomElement(using: &rng)!
        case 1: value.boolValue = Bool.random(using: &rng)
        case 2: value.intValue = Int64.random(in: Int64.min...Int64.max, using: &rng)
        case 3: value.doubleValue = [0.1, -2.5e300, 3, .infinity, Double.random(in: -1e6...1e6, using: &rng)].randomElement(using: &rng)!
        case 4: value.bytesValue = Data((0..<Int.random(in: 0...9, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case 5:
            var array = Opentelemetry_Proto_Common_V1_ArrayValue()
            array.values = (0..<Int.random(in: 0...3, using: &rng)).map { _ in anyValue(&rng, depth: depth + 1) }
            value.arrayValue = array
        default:
            var list = Opentelemetry_Proto_Common_V1_KeyValueList()
            list.values = (0..<Int.random(in: 0...3, using: &rng)).map { _ in keyValue(&rng, depth: depth + 1) }
            value.kvlistValue = list
        }
        return value
    }

    static func keyValue(_ rng: inout SeededGenerator, depth: Int = 0) -> KeyValue {
        var pair = KeyValue()
        pair.key = ["http.route", "db.system", "db.statement", "k\(Int.random(in: 0...5, using: &rng))", ""].randomElement(using: &rng)!
        if Int.random(in: 0..<10, using: &rng) > 0 { pair.value = anyValue(&rng, depth: depth) }
        return pair
    }

    static func bytes(_ count: Int, _ rng: inout SeededGenerator) -> Data {
        Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    static func request(_ rng: inout SeededGenerator) -> Request {
        var request = Request()
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
            var name = KeyValue()
            name.key = "service.name"
            name.value.stringValue = "svc-\(Int.random(in: 0...3, using: &rng))"
            resourceSpans.resource.attributes = [name] + (0..<Int.random(in: 0...3, using: &rng)).map { _ in keyValue(&rng) }
            resourceSpans.schemaURL = "https://opentelemetry.io/schemas/1.26.0"
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
                scope.scope.name = "io.opentelemetry.test"
                scope.scope.version = "1.0"
                for _ in 0..<Int.random(in: 0...6, using: &rng) {
                    var span = ProtoSpan()
                    // Mostly valid ids; sometimes the wrong length or all zero, to exercise rejection.
                    span.traceID = Int.random(in: 0..<12, using: &rng) == 0 ? bytes(Int.random(in: 0...17, using: &rng), &rng) : bytes(16, &rng)
                    span.spanID = Int.random(in: 0..<12, using: &rng) == 0 ? Data(count: 8) : bytes(8, &rng)
                    if Bool.random(using: &rng) { span.parentSpanID = bytes(8, &rng) }
                    span.traceState = "vendor=1"
                    span.name = "GET /api/items/{id}"
                    span.kind = ProtoSpan.SpanKind(rawValue: Int.random(in: 0...6, using: &rng)) ?? .server
                    let start = UInt64.random(in: 1...2_000_000_000_000_000_000, using: &rng)
                    span.startTimeUnixNano = start
                    span.endTimeUnixNano = Int.random(in: 0..<10, using: &rng) == 0 ? start - 1 : start + UInt64.random(in: 0...5_000_000_000, using: &rng)
                    span.attributes = (0..<Int.random(in: 0...8, using: &rng)).map { _ in keyValue(&rng) }
                    for _ in 0..<Int.random(in: 0...2, using: &rng) {
                        var event = ProtoSpan.Event()
                        event.timeUnixNano = start + 10
                        event.name = "exception"
                        event.attributes = (0..<Int.random(in: 0...2, using: &rng)).map { _ in keyValue(&rng) }
                        span.events.append(event)
                    }
                    if Bool.random(using: &rng) {
                        var link = ProtoSpan.Link()
                        link.traceID = bytes(16, &rng)
                        link.spanID = bytes(8, &rng)
                        span.links = [link]
                    }
                    span.status.code = Opentelemetry_Proto_Trace_V1_Status.StatusCode(rawValue: Int.random(in: 0...3, using: &rng)) ?? .unset
                    span.status.message = Bool.random(using: &rng) ? "boom" : ""
                    scope.spans.append(span)
                }
                resourceSpans.scopeSpans.append(scope)
            }
            request.resourceSpans.append(resourceSpans)
        }
        return request
    }

    static func expectSame(_ mine: OTLPTraces, _ reference: OTLPTraces) {
        #expect(mine.spans == reference.spans)
        #expect(mine.rejected == reference.rejected)
        #expect(mine.errorMessage == reference.errorMessage)
    }

    @Test("generated exports with every attribute kind decode to the same spans and rejections")
    func generated() throws {
        var rng = SeededGenerator(seed: 42)
        var spans = 0
        for _ in 0..<300 {
            let body: [UInt8] = try Self.request(&rng).serializedBytes()
            let mine = try OTLPProtobufTraceDecoder().decode(body)
            Self.expectSame(mine, try Self.reference(body))
            spans += mine.spans.count
        }
        #expect(spans > 500)
    }

    @Test("mutated bytes: whatever the generated decoder accepts decodes the same; the rest fails cleanly")
    func mutations() throws {
        var rng = SeededGenerator(seed: 7)
        var agreed = 0
        var refused = 0
        for round in 0..<2_000 {
            var body: [UInt8] = try Self.request(&rng).serializedBytes()
            guard !body.isEmpty else { continue }
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0..<body.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: body[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: body.removeSubrange(at..<min(body.count, at + Int.random(in: 1...8, using: &rng)))
                case 2: body.insert(contentsOf: (0..<Int.random(in: 1...4, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
                default: body.removeSubrange(at...)
                }
                if body.isEmpty { break }
            }
            let reference = try? Self.reference(body)
            do {
                let mine = try OTLPProtobufTraceDecoder().decode(body)
                if let reference {
                    Self.expectSame(mine, reference)
                    agreed += 1
                }
            } catch let error as PerfwatchError {
                // Refusing what the reference accepts would lose data a client sent.
                #expect(reference == nil, "round \(round): refused what the generated decoder accepts: \(error.message)")
                #expect(error.code == .badRequest)
                refused += 1
            }
        }
        // Both outcomes must have been exercised for the comparison to mean anything.
        #expect(agreed > 60)
        #expect(refused > 300)
    }
}
