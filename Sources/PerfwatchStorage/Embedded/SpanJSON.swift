/// The JSON stored in the spans table's text columns, written by hand: Foundation's
/// JSONEncoder was the largest cost of storing spans in profiles. Keys are sorted so equal maps
/// give equal text. Read back with JSONDecoder (`[String: String]`, `[Span.Event]`).
import PerfwatchModel

enum SpanJSON {
    static func object(_ map: [String: String]) -> String {
        guard !map.isEmpty else { return "{}" }
        var out = "{"
        for (index, key) in map.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            append(key, to: &out)
            out += ":"
            append(map[key]!, to: &out)
        }
        return out + "}"
    }

    static func events(_ events: [Span.Event]) -> String {
        guard !events.isEmpty else { return "[]" }
        var out = "["
        for (index, event) in events.enumerated() {
            if index > 0 { out += "," }
            out += "{\"attributes\":" + object(event.attributes) + ",\"name\":"
            append(event.name, to: &out)
            out += ",\"timeNs\":" + String(event.timeNs) + "}"
        }
        return out + "]"
    }

    static func append(_ text: String, to out: inout String) {
        out += "\""
        var needsEscaping = false
        for byte in text.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            needsEscaping = true
            break
        }
        guard needsEscaping else {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
