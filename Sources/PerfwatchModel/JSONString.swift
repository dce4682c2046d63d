/// JSON string quoting, shared by every hand-written JSON writer (HTTP responses, stored
/// span and label columns): quotes, backslashes and control characters escaped, the rest as is.
public enum JSONString {
    public static func append(_ text: String, to out: inout String) {
        out += "\""
        // Most keys and values need no escaping: append them in one piece.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
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

    /// A string map as an object with sorted keys, so equal maps give equal text.
    public static func appendObject(_ map: [String: String], to out: inout String) {
        out += "{"
        for (index, key) in map.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            append(key, to: &out)
            out += ":"
            append(map[key]!, to: &out)
        }
        out += "}"
    }
}
