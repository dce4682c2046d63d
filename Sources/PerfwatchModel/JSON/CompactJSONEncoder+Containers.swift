// Every primitive overload is spelled out: the protocols' default `encodeIfPresent` would
// drop nil keys (see CompactJSONEncoder).

struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: JSONStreamState
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += "null"
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += value ? "true" : "false"
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        JSONString.append(value, to: &state.out)
    }

    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.writeNumber(value)
    }

    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: Float, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.writeNumber(Double(value))
    }

    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += String(value)
    }

    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: Int8, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += String(value)
    }

    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: Int16, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += String(value)
    }

    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: Int32, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += String(value)
    }

    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: Int64, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += String(value)
    }

    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: UInt, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += String(value)
    }

    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: UInt8, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += String(value)
    }

    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: UInt16, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += String(value)
    }

    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: UInt32, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += String(value)
    }

    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        state.writeKey(key.stringValue, in: depth)
        state.out += String(value)
    }

    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let omittable = value as? any OmittableJSONValue, omittable.isOmitted { return }
        state.writeKey(key.stringValue, in: depth)
        try state.writeValue(value)
    }

    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        state.writeKey(key.stringValue, in: depth)
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(state: state, depth: state.openNested("{", closing: "}")))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        state.writeKey(key.stringValue, in: depth)
        return JSONUnkeyedContainer(state: state, depth: state.openNested("[", closing: "]"))
    }

    mutating func superEncoder() -> any Encoder {
        state.writeKey("super", in: depth)
        state.slotFrame = nil
        return state
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        state.writeKey(key.stringValue, in: depth)
        state.slotFrame = nil
        return state
    }
}

struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let state: JSONStreamState
    let depth: Int
    var codingPath: [any CodingKey] { [] }
    var count: Int { depth < state.frames.count ? state.frames[depth].count : 0 }

    mutating func encodeNil() throws {
        state.beginElement(in: depth)
        state.out += "null"
    }

    mutating func encode(_ value: Bool) throws {
        state.beginElement(in: depth)
        state.out += value ? "true" : "false"
    }

    mutating func encode(_ value: String) throws {
        state.beginElement(in: depth)
        JSONString.append(value, to: &state.out)
    }

    mutating func encode(_ value: Double) throws {
        state.beginElement(in: depth)
        state.writeNumber(value)
    }

    mutating func encode(_ value: Float) throws {
        state.beginElement(in: depth)
        state.writeNumber(Double(value))
    }

    mutating func encode(_ value: Int) throws {
        state.beginElement(in: depth)
        state.out += String(value)
    }

    mutating func encode(_ value: Int8) throws {
        state.beginElement(in: depth)
        state.out += String(value)
    }

    mutating func encode(_ value: Int16) throws {
        state.beginElement(in: depth)
        state.out += String(value)
    }

    mutating func encode(_ value: Int32) throws {
        state.beginElement(in: depth)
        state.out += String(value)
    }

    mutating func encode(_ value: Int64) throws {
        state.beginElement(in: depth)
        state.out += String(value)
    }

    mutating func encode(_ value: UInt) throws {
        state.beginElement(in: depth)
        state.out += String(value)
    }

    mutating func encode(_ value: UInt8) throws {
        state.beginElement(in: depth)
        state.out += String(value)
    }

    mutating func encode(_ value: UInt16) throws {
        state.beginElement(in: depth)
        state.out += String(value)
    }

    mutating func encode(_ value: UInt32) throws {
        state.beginElement(in: depth)
        state.out += String(value)
    }

    mutating func encode(_ value: UInt64) throws {
        state.beginElement(in: depth)
        state.out += String(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        state.beginElement(in: depth)
        try state.writeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        state.beginElement(in: depth)
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(state: state, depth: state.openNested("{", closing: "}")))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        state.beginElement(in: depth)
        return JSONUnkeyedContainer(state: state, depth: state.openNested("[", closing: "]"))
    }

    mutating func superEncoder() -> any Encoder {
        state.beginElement(in: depth)
        state.slotFrame = nil
        return state
    }
}

struct JSONSingleValueContainer: SingleValueEncodingContainer {
    let state: JSONStreamState
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { state.out += "null" }

    mutating func encode(_ value: Bool) throws { state.out += value ? "true" : "false" }

    mutating func encode(_ value: String) throws { JSONString.append(value, to: &state.out) }

    mutating func encode(_ value: Double) throws { state.writeNumber(value) }

    mutating func encode(_ value: Float) throws { state.writeNumber(Double(value)) }

    mutating func encode(_ value: Int) throws { state.out += String(value) }

    mutating func encode(_ value: Int8) throws { state.out += String(value) }

    mutating func encode(_ value: Int16) throws { state.out += String(value) }

    mutating func encode(_ value: Int32) throws { state.out += String(value) }

    mutating func encode(_ value: Int64) throws { state.out += String(value) }

    mutating func encode(_ value: UInt) throws { state.out += String(value) }

    mutating func encode(_ value: UInt8) throws { state.out += String(value) }

    mutating func encode(_ value: UInt16) throws { state.out += String(value) }

    mutating func encode(_ value: UInt32) throws { state.out += String(value) }

    mutating func encode(_ value: UInt64) throws { state.out += String(value) }

    mutating func encode<T: Encodable>(_ value: T) throws { try state.writeValue(value) }
}
