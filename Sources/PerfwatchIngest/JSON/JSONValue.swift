/// A parsed JSON document. Our own reader builds it without Foundation's generic decoding,
/// which profiled at 90% of the JSON ingest path.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The double value, plus the exact integer when the text was one (`"time": 1732290000123`).
    case number(Double, integer: Int64?)
    case string(String)
    case array([JSONValue])
    /// Members in document order; lookups are linear, which beats hashing for a handful of keys.
    case object([(key: String, value: JSONValue)])
    /// `NaN`, `Infinity`, `-Infinity`: not JSON, but clients send them; kept so validation can
    /// reject the one item instead of the whole body.
    case nonFinite(Double)

    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var objectMembers: [(key: String, value: JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a, let ai), .number(let b, let bi)): a == b && ai == bi
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.nonFinite(let a), .nonFinite(let b)): a == b || (a.isNaN && b.isNaN)
        default: false
        }
    }

    /// A short name of the value's type for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number, .nonFinite: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
