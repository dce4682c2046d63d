import Foundation
import PerfwatchOTLP

/// Key-values of generated OTLP messages (metrics, which still decode through the generated
/// code) as attribute text — the same text `OTLPProtobufTraceDecoder.text(ofAnyValue:)` gives
/// spans' attributes on the wire.
enum OTLPProtobufAttributes {
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
