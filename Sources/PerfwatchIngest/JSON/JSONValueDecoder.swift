import PerfwatchModel

/// Decodes a `Decodable` request body from a parsed `JSONValue`, with refusals that name the
/// field and what was expected (`silence: 'duration' must be a string, not a number`), and
/// unknown fields refused with the valid ones listed — the messages `BodyFields` established.
///
/// Why not Foundation's `JSONDecoder`: its errors are debugging descriptions, not answers for an
/// API user; it ignores unknown keys (a misspelt optional field would be dropped silently); and on
/// Linux it cannot tell `true` from `1`. `JSONReader` keeps booleans and numbers apart.
public struct JSONValueDecoder: Sendable {
    /// The body's name in messages ("silence", "deployment").
    public let what: String
    public let rejectUnknownFields: Bool

    public init(what: String, rejectUnknownFields: Bool = true) {
        self.what = what
        self.rejectUnknownFields = rejectUnknownFields
    }

    /// Parses `bytes` (refusing what is not a JSON object) and decodes `T` from it.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        guard let value = try? JSONReader.parse(bytes), value.objectMembers != nil else {
            throw PerfwatchError(.badRequest, "\(what): body must be a JSON object")
        }
        return try decode(type, from: value)
    }

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let decoder = JSONValueDecoding(value: value, codingPath: [], options: self)
        do {
            let result = try T(from: decoder)
            try decoder.checkUnknownFields()
            return result
        } catch let error as DecodingError {
            throw PerfwatchError(.badRequest, message(for: error))
        }
    }

    /// `'a.b[2]'`, the path as a user would write it.
    static func fieldName(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue, key.stringValue.hasPrefix("Index ") || key.stringValue == String(index) {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    func message(for error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(what): '\(Self.fieldName(context.codingPath + [key]))' is required"
        case .valueNotFound(_, let context):
            return "\(what): '\(Self.fieldName(context.codingPath))' must not be null"
        case .typeMismatch(_, let context), .dataCorrupted(let context):
            let field = Self.fieldName(context.codingPath)
            return field.isEmpty ? "\(what): \(context.debugDescription)" : "\(what): '\(field)' \(context.debugDescription)"
        @unknown default:
            return "\(what): \(error)"
        }
    }
}

/// One value being decoded; remembers which fields of its object the type asked for, so what
/// nobody asked for can be refused as unknown.
final class JSONValueDecoding: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let options: JSONValueDecoder
    var askedFields: Set<String> = []
    var readAsObject = false
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: JSONValue, codingPath: [any CodingKey], options: JSONValueDecoder) {
        self.value = value
        self.codingPath = codingPath
        self.options = options
    }

    func checkUnknownFields() throws {
        guard options.rejectUnknownFields, readAsObject, let members = value.objectMembers else { return }
        let unknown = members.map(\.key).filter { !askedFields.contains($0) }
        guard let first = unknown.sorted().first else { return }
        let field = JSONValueDecoder.fieldName(codingPath + [JSONFieldKey(first)])
        throw PerfwatchError(
            .badRequest, "\(options.what): unknown field '\(field)'; valid fields: \(askedFields.sorted().joined(separator: ", "))")
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let members = value.objectMembers else {
            throw DecodingError.typeMismatch(
                [String: Any].self, .init(codingPath: codingPath, debugDescription: "must be an object, not \(value.typeName)"))
        }
        readAsObject = true
        // The last of repeated keys wins, as in `BodyFields`.
        let byKey = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        return KeyedDecodingContainer(JSONValueKeyedContainer<Key>(decoder: self, members: byKey))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let values = value.arrayValue else {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "must be an array, not \(value.typeName)"))
        }
        return JSONValueUnkeyedContainer(decoder: self, values: values)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONValueSingleContainer(decoder: self)
    }

    /// Decodes a nested value at `key`, then checks its own unknown fields.
    func decodeNested<T: Decodable>(_ type: T.Type, _ value: JSONValue, at key: any CodingKey) throws -> T {
        let nested = JSONValueDecoding(value: value, codingPath: codingPath + [key], options: options)
        let result = try T(from: nested)
        try nested.checkUnknownFields()
        return result
    }
}

struct JSONFieldKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(_ string: String) {
        stringValue = string
        intValue = nil
    }
    init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }
}
