/// A small JSON writer for hot responses (query results), avoiding Codable overhead for
/// arrays of `[time, value]` pairs. Non-finite numbers become `null`.
struct JSONText {
    private(set) var text = ""

    init(capacity: Int = 256) { text.reserveCapacity(capacity) }

    mutating func raw(_ fragment: String) { text += fragment }

    mutating func string(_ value: String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    mutating func number(_ value: Double) {
        guard value.isFinite else {
            text += "null"
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            text += String(Int64(value))
        } else {
            text += "\(value)"
        }
    }

    mutating func number(_ value: Int64) { text += String(value) }

    mutating func object(_ pairs: [String: String]) {
        text += "{"
        for (index, key) in pairs.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            string(key)
            text += ":"
            string(pairs[key]!)
        }
        text += "}"
    }
}
