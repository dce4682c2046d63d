import Foundation
import PerfwatchOTLP

/// Key-values of generated OTLP messages (metrics, which still decode through the generated
/// code) as attribute text — the same text `OTLPProtobufTraceDecoder` gives spans' attributes
/// on the wire, rendered by `OTLPAttributeText`.
enum OTLPProtobufAttributes {
    static func attributes(_ pairs: [Opentelemetry_Proto_Common_V1_KeyValue]) throws(OTLPAttributeText.TooDeep) -> [String: String] {
        var result: [String: String] = [:]
        for pair in pairs { result[pair.key] = try rendered(pair.value, depth: 1).text }
        return result
    }

    /// `depth`: the value's nesting level, 1 for an attribute's own value.
    static func rendered(_ value: Opentelemetry_Proto_Common_V1_AnyValue, depth: Int) throws(OTLPAttributeText.TooDeep) -> OTLPAttributeText.Rendered {
        switch value.value {
        case .stringValue(let text): return .scalar(text)
        case .boolValue(let flag): return .scalar(String(flag))
        case .intValue(let integer): return .scalar(String(integer))
        case .doubleValue(let number): return .scalar(String(number))
        case .arrayValue(let array):
            try OTLPAttributeText.enter(depth)
            var elements: [OTLPAttributeText.Rendered] = []
            for element in array.values { elements.append(try rendered(element, depth: depth + 1)) }
            return OTLPAttributeText.array(elements)
        case .kvlistValue(let list):
            try OTLPAttributeText.enter(depth)
            var members: [String: OTLPAttributeText.Rendered] = [:]
            for pair in list.values { members[pair.key] = try rendered(pair.value, depth: depth + 1) }
            return OTLPAttributeText.map(members)
        case .bytesValue(let data): return .scalar(data.base64EncodedString())
        case nil: return .scalar("")
        }
    }
}
