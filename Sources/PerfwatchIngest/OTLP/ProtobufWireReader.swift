/// A cursor over protobuf wire format (varints, fixed64, length-delimited ranges), for the
/// hand-written OTLP trace decoder. Every read is bounds-checked and throws `malformed` on
/// truncated or impossible input; nothing here allocates.
struct ProtobufWireReader {
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    struct Malformed: Error {
        let reason: String
    }

    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = end ?? bytes.count
    }

    var isAtEnd: Bool { position >= end }

    mutating func varint() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw Malformed(reason: "truncated varint") }
            let byte = bytes[position]
            position += 1
            // The tenth byte may only carry the top bit of a 64-bit value.
            if shift == 63 && byte > 1 { throw Malformed(reason: "varint longer than 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// The next field's number and wire type, or nil at the end of this message.
    mutating func nextTag() throws(Malformed) -> (field: UInt64, wire: WireType)? {
        guard position < end else { return nil }
        let tag = try varint()
        let field = tag >> 3
        guard field > 0, field <= 536_870_911 else { throw Malformed(reason: "invalid field number \(field)") }
        guard let wire = WireType(rawValue: UInt8(tag & 7)) else { throw Malformed(reason: "invalid wire type \(tag & 7)") }
        return (field, wire)
    }

    mutating func fixed64() throws(Malformed) -> UInt64 {
        guard end - position >= 8 else { throw Malformed(reason: "truncated fixed64") }
        var value: UInt64 = 0
        for offset in 0..<8 { value |= UInt64(bytes[position + offset]) << (8 * UInt64(offset)) }
        position += 8
        return value
    }

    /// The byte range of a length-delimited field, consumed.
    mutating func lengthDelimited() throws(Malformed) -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - position) else { throw Malformed(reason: "length \(length) runs past the end") }
        let start = position
        position += Int(length)
        return start..<position
    }

    /// A reader over a nested message's bytes.
    mutating func message() throws(Malformed) -> ProtobufWireReader {
        let range = try lengthDelimited()
        return ProtobufWireReader(bytes, from: range.lowerBound, to: range.upperBound)
    }

    mutating func string() throws(Malformed) -> String {
        let range = try lengthDelimited()
        return try Self.text(bytes, range)
    }

    mutating func bytesField() throws(Malformed) -> [UInt8] {
        Array(bytes[try lengthDelimited()])
    }

    static func text(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(Malformed) -> String {
        // Protobuf requires valid UTF-8 in string fields, as the generated decoders check.
        guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) else {
            throw Malformed(reason: "string field is not valid UTF-8")
        }
        return text
    }

    /// How deep groups (a deprecated wire type nobody sends to OTLP) may nest inside each other
    /// when skipped; deeper input is malformed rather than a stack overflow (issue 13: 300,000
    /// start-group bytes).
    static let maxGroupDepth = 32

    /// Skips a field of any valid wire type (unknown fields, or known ones sent with another
    /// wire type, which protobuf parsers keep as unknown). `depth`: how many groups enclose it.
    mutating func skip(_ wire: WireType, field: UInt64, depth: Int = 0) throws(Malformed) {
        switch wire {
        case .varint: _ = try varint()
        case .fixed64:
            guard end - position >= 8 else { throw Malformed(reason: "truncated fixed64") }
            position += 8
        case .fixed32:
            guard end - position >= 4 else { throw Malformed(reason: "truncated fixed32") }
            position += 4
        case .lengthDelimited: _ = try lengthDelimited()
        case .startGroup:
            guard depth < Self.maxGroupDepth else { throw Malformed(reason: "groups nested deeper than \(Self.maxGroupDepth)") }
            while true {
                guard let inner = try nextTag() else { throw Malformed(reason: "unterminated group") }
                if inner.wire == .endGroup {
                    guard inner.field == field else { throw Malformed(reason: "mismatched end of group") }
                    return
                }
                try skip(inner.wire, field: inner.field, depth: depth + 1)
            }
        case .endGroup: throw Malformed(reason: "unexpected end of group")
        }
    }
}
