import Foundation
public import PerfwatchModel
import PerfwatchOTLP
import SwiftProtobuf

/// Decodes binary OTLP trace exports (`application/x-protobuf`) with the generated messages.
/// Unknown fields are skipped, as protobuf requires.
public struct OTLPProtobufTraceDecoder: Sendable {
    public init() {}

    public func decode(_ body: [UInt8]) throws -> OTLPTraces {
        let request: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
        do {
            request = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: body)
        } catch {
            throw PerfwatchError(.badRequest, "body is not a valid OTLP ExportTraceServiceRequest (protobuf): \(error)")
        }
        var result = OTLPTraces()
        let builder = OTLPSpanBuilder()
        for resourceSpans in request.resourceSpans {
            let resource = Self.attributes(resourceSpans.resource.attributes)
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
                    fields.attributes = Self.attributes(span.attributes)
                    fields.events = span.events.map {
                        Span.Event(timeNs: Int64(clamping: $0.timeUnixNano), name: $0.name, attributes: Self.attributes($0.attributes))
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

    static func attributes(_ pairs: [Opentelemetry_Proto_Common_V1_KeyValue]) -> [String: String] {
        var result: [String: String] = [:]
        for pair in pairs { result[pair.key] = text(of: pair.value) }
        return result
    }

    static func text(of value: Opentelemetry_Proto_Common_V1_AnyValue) -> String {
        switch value.value {
        case .stringValue(let text): return text
        case .boolValue(let flag): return String(flag)
        case .intValue(let integer): return String(integer)
        case .doubleValue(let number): return String(number)
        case .arrayValue(let array): return OTLPSpanBuilder.text(ofArray: array.values.map(text(of:)))
        case .kvlistValue(let list): return OTLPSpanBuilder.text(ofMap: attributes(list.values))
        case .bytesValue(let data): return data.base64EncodedString()
        case nil: return ""
        }
    }
}
