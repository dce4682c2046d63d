extension KeyedEncodingContainer {
    /// Writes `value` unless it is nil, in which case the key is left out. The alerting types'
    /// JSON (the alerts API, webhook payloads, stored state) has always omitted nil fields; an
    /// encoder's own `encodeIfPresent` may write `null` instead (`CompactJSONEncoder` does).
    mutating func encodeUnlessNil<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }
}
