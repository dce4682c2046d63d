import PerfwatchModel

struct JSONValueKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONValueDecoding
    let members: [String: JSONValue]
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        decoder.askedFields.insert(key.stringValue)
        return members[key.stringValue] != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        decoder.askedFields.insert(key.stringValue)
        return members[key.stringValue].map { $0 == .null } ?? true
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decodeNested(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decodeNested(type, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decodeNested(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decodeNested(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decodeNested(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decodeNested(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decodeNested(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decodeNested(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decodeNested(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decodeNested(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decodeNested(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decodeNested(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decodeNested(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decodeNested(type, forKey: key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decodeNested(type, forKey: key) }

    func decodeNested<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        decoder.askedFields.insert(key.stringValue)
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "is required"))
        }
        return try decoder.decodeNested(type, value, at: key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        decoder.askedFields.insert(key.stringValue)
        let nested = JSONValueDecoding(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key], options: decoder.options)
        return try nested.container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        decoder.askedFields.insert(key.stringValue)
        let nested = JSONValueDecoding(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key], options: decoder.options)
        return try nested.unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.askedFields.insert(key.stringValue)
        return JSONValueDecoding(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key], options: decoder.options)
    }
}

struct JSONValueUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: JSONValueDecoding
    let values: [JSONValue]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { values.count }
    var isAtEnd: Bool { currentIndex >= values.count }

    init(decoder: JSONValueDecoding, values: [JSONValue]) {
        self.decoder = decoder
        self.values = values
    }

    mutating func next() throws -> (JSONValue, JSONFieldKey) {
        let key = JSONFieldKey(index: currentIndex)
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: codingPath + [key], debugDescription: "is missing"))
        }
        defer { currentIndex += 1 }
        return (values[currentIndex], key)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, values[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try decode(type) as Bool }
    mutating func decode(_ type: String.Type) throws -> String { try decode(type) as String }
    mutating func decode(_ type: Double.Type) throws -> Double { try decode(type) as Double }
    mutating func decode(_ type: Float.Type) throws -> Float { try decode(type) as Float }
    mutating func decode(_ type: Int.Type) throws -> Int { try decode(type) as Int }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try decode(type) as Int8 }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try decode(type) as Int16 }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try decode(type) as Int32 }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try decode(type) as Int64 }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try decode(type) as UInt }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(type) as UInt8 }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(type) as UInt16 }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(type) as UInt32 }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(type) as UInt64 }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, key) = try next()
        return try decoder.decodeNested(type, value, at: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (value, key) = try next()
        return try JSONValueDecoding(value: value, codingPath: codingPath + [key], options: decoder.options).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, key) = try next()
        return try JSONValueDecoding(value: value, codingPath: codingPath + [key], options: decoder.options).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, key) = try next()
        return JSONValueDecoding(value: value, codingPath: codingPath + [key], options: decoder.options)
    }
}

/// The primitives, with the expectation named in the refusal.
struct JSONValueSingleContainer: SingleValueDecodingContainer {
    let decoder: JSONValueDecoding
    var codingPath: [any CodingKey] { decoder.codingPath }
    var value: JSONValue { decoder.value }

    func mismatch<T>(_ type: T.Type, _ expected: String) -> DecodingError {
        DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "must be \(expected), not \(value.typeName)"))
    }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(type, "a boolean") }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = value else { throw mismatch(type, "a string") }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard case .number(let number, _) = value else {
            if case .nonFinite = value { throw mismatch(type, "a finite number") }
            throw mismatch(type, "a number")
        }
        return number
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number(let number, let exact) = value else { throw mismatch(type, "an integer") }
        if let exact, let converted = T(exactly: exact) { return converted }
        if exact == nil, number.isFinite, let converted = T(exactly: number) { return converted }
        throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "must be an integer from \(T.min) to \(T.max), not \(number)"))
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}
