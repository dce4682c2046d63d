import PerfwatchModel

/// A small JSON writer for hot responses (query results), avoiding Codable overhead for
/// arrays of `[time, value]` pairs. Non-finite numbers become `null`.
struct JSONText {
    private(set) var text = ""

    init(capacity: Int = 256) { text.reserveCapacity(capacity) }

    mutating func raw(_ fragment: String) { text += fragment }

    mutating func string(_ value: String) { JSONString.append(value, to: &text) }

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

    mutating func object(_ pairs: [String: String]) { JSONString.appendObject(pairs, to: &text) }

    /// A JSON array of strings.
    mutating func strings(_ values: some Sequence<String>) {
        text += "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            JSONString.append(value, to: &text)
        }
        text += "]"
    }
}
