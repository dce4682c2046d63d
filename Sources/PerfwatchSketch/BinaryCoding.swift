/// Little helpers for the compact binary formats (varints, zigzag, fixed-width floats).
package struct ByteWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    package mutating func write(_ byte: UInt8) { bytes.append(byte) }

    package mutating func write(contentsOf source: some Sequence<UInt8>) { bytes.append(contentsOf: source) }

    package mutating func writeVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    package mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    package mutating func writeDouble(_ value: Double) {
        var bits = value.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }
}

/// Reads what `ByteWriter` wrote; every read checks bounds and throws on truncated input.
/// Works on borrowed bytes so database blobs decode without a copy.
package struct ByteReader {
    package struct Truncated: Error {}

    let bytes: UnsafeRawBufferPointer
    package private(set) var offset = 0

    package init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inline(__always)
    package mutating func read() throws -> UInt8 {
        guard offset < bytes.count else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    package mutating func skip(_ count: Int) throws {
        guard count >= 0, count <= bytes.count - offset else { throw Truncated() }
        offset += count
    }

    @inline(__always)
    package mutating func readVarint() throws -> UInt64 {
        // One-byte values (most bin counts) skip the loop.
        if offset < bytes.count, bytes[offset] < 0x80 {
            defer { offset += 1 }
            return UInt64(bytes[offset])
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try read()
            guard shift < 64 else { throw Truncated() }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    package mutating func readSignedVarint() throws -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    package mutating func readDouble() throws -> Double {
        guard offset + 8 <= bytes.count else { throw Truncated() }
        var bits: UInt64 = 0
        for index in 0..<8 { bits |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return Double(bitPattern: bits)
    }
}
