import Foundation
import PerfwatchModel

/// OTLP attribute values (AnyValue) as the text we store, the same for protobuf and JSON,
/// traces and metrics: strings as they are, numbers and booleans as Swift prints them, bytes as
/// base64, arrays and maps as JSON — nested arrays and maps as nested JSON, each value rendered
/// once and copied into its parent (at most `maxDepth` copies), never re-quoted per level
/// (re-quoting doubled the backslashes, and so the cost, at every level: issue 13).
///
/// Limits (docs/limits.md): arrays and maps nest at most `maxDepth` levels — deeper is a
/// malformed request (400) naming the limit; a rendered value stops growing at
/// `maxTextBytes` and ends with `SpanLimits.truncationMarker` (stored values are cut shorter
/// still, by `SpanLimits` and `ValidationLimits`).
enum OTLPAttributeText {
    static let maxDepth = 16
    static let maxTextBytes = 64 * 1024

    struct TooDeep: Error {
        var reason: String { "attribute value nests arrays or maps deeper than \(OTLPAttributeText.maxDepth) levels" }
    }

    /// One rendered AnyValue: a scalar's plain text, or an array's or map's JSON.
    enum Rendered {
        case scalar(String)
        case json(String)

        /// The stored attribute text.
        var text: String {
            switch self {
            case .scalar(let text), .json(let text): text
            }
        }

        /// As an element of an array or a map: scalars become JSON strings.
        func append(to out: inout String) {
            switch self {
            case .scalar(let text): JSONString.append(text, to: &out)
            case .json(let json): out += json
            }
        }
    }

    /// Checks the nesting of an array or map about to be opened at `depth` (top-level value: 1).
    static func enter(_ depth: Int) throws(TooDeep) {
        guard depth <= maxDepth else { throw TooDeep() }
    }

    static func array(_ elements: [Rendered]) -> Rendered {
        var out = "["
        for (index, element) in elements.enumerated() {
            guard out.utf8.count <= maxTextBytes else { return .json(out + SpanLimits.truncationMarker) }
            if index > 0 { out += "," }
            element.append(to: &out)
        }
        return .json(out + "]")
    }

    /// Keys sorted, so equal maps give equal text; a later pair with the same key wins.
    static func map(_ members: [String: Rendered]) -> Rendered {
        var out = "{"
        for (index, key) in members.keys.sorted().enumerated() {
            guard out.utf8.count <= maxTextBytes else { return .json(out + SpanLimits.truncationMarker) }
            if index > 0 { out += "," }
            JSONString.append(key, to: &out)
            out += ":"
            members[key]!.append(to: &out)
        }
        return .json(out + "}")
    }
}
