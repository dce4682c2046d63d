import PerfwatchSketch

/// ClickHouse's RowBinary format: fixed-width little-endian numbers, strings and arrays as a
/// LEB128 length (the varint `ByteWriter` already writes) followed by their bytes or elements.
/// Binary both ways keeps every Float64 exact (text would round-trip through two parsers).
extension ByteWriter {
    mutating func writeFixed64(_ value: UInt64) {
        var bits = value
        for _ in 0..<8 {
            write(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    mutating func writeFixed32(_ value: UInt32) {
        var bits = value
        for _ in 0..<4 {
            write(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    mutating func writeInt64(_ value: Int64) { writeFixed64(UInt64(bitPattern: value)) }

    mutating func writeFloat64(_ value: Double) { writeFixed64(value.bitPattern) }

    mutating func writeString(_ value: String) {
        let bytes = Array(value.utf8)
        writeVarint(UInt64(bytes.count))
        write(contentsOf: bytes)
    }

    mutating func writeStrings(_ values: [String]) {
        writeVarint(UInt64(values.count))
        for value in values { writeString(value) }
    }

    mutating func writeInt64s(_ values: [Int64]) {
        writeVarint(UInt64(values.count))
        for value in values { writeInt64(value) }
    }

    mutating func writeUInt64s(_ values: [UInt64]) {
        writeVarint(UInt64(values.count))
        for value in values { writeFixed64(value) }
    }
}

/// Reads RowBinary answers; every read checks bounds.
struct RowBinaryReader {
    struct Truncated: Error, CustomStringConvertible {
        var description: String { "ClickHouse's RowBinary answer ends inside a row" }
    }

    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func readByte() throws -> UInt8 {
        guard offset < bytes.count else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64 else { throw Truncated() }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    mutating func readFixed64() throws -> UInt64 {
        guard offset + 8 <= bytes.count else { throw Truncated() }
        var bits: UInt64 = 0
        for index in 0..<8 { bits |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return bits
    }

    mutating func readInt64() throws -> Int64 { Int64(bitPattern: try readFixed64()) }

    mutating func readFloat64() throws -> Double { Double(bitPattern: try readFixed64()) }

    mutating func readUInt8() throws -> UInt8 { try readByte() }

    mutating func readString() throws -> String {
        let length = try readVarint()
        guard length <= UInt64(bytes.count - offset) else { throw Truncated() }
        defer { offset += Int(length) }
        return String(decoding: bytes[offset..<(offset + Int(length))], as: UTF8.self)
    }

    mutating func readStrings() throws -> [String] {
        let count = try readVarint()
        return try (0..<count).map { _ in try readString() }
    }

    mutating func readInt64s() throws -> [Int64] {
        let count = try readVarint()
        guard count <= UInt64(bytes.count - offset) / 8 else { throw Truncated() }
        return try (0..<count).map { _ in try readInt64() }
    }

    mutating func readUInt64s() throws -> [UInt64] {
        let count = try readVarint()
        guard count <= UInt64(bytes.count - offset) / 8 else { throw Truncated() }
        return try (0..<count).map { _ in try readFixed64() }
    }
}
