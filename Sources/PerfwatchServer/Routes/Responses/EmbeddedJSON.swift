import PerfwatchIngest

/// JSON the store keeps as text (a load-run report, an issue's evidence, an alert's labels),
/// written into a response as the value it is. Parsed with `JSONReader`, which keeps integers
/// exact, and written back through the response's encoder.
struct EmbeddedJSON: Encodable {
    let value: JSONValue

    /// `fallback` stands in for text that is empty or not JSON.
    init(text: String, fallback: JSONValue = .null) {
        value = text.isEmpty ? fallback : ((try? JSONReader.parse(Array(text.utf8))) ?? fallback)
    }

    init(_ value: JSONValue) { self.value = value }

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .object(let members):
            var container = encoder.container(keyedBy: Key.self)
            for member in members { try container.encode(EmbeddedJSON(member.value), forKey: Key(stringValue: member.key)) }
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(EmbeddedJSON(element)) }
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .number(_, let integer?):
            var container = encoder.singleValueContainer()
            try container.encode(integer)
        case .number(let double, _):
            var container = encoder.singleValueContainer()
            try container.encode(double)
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .null, .nonFinite:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        }
    }
}
