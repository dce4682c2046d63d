/// Bit-level writer and reader for the sample chunk format (most significant bit first).
struct BitWriter: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Free bits left in the last byte (0 means a new byte is needed).
    private var freeBits = 0

    init() {}

    mutating func writeBit(_ bit: Bool) {
        if freeBits == 0 {
            bytes.append(0)
            freeBits = 8
        }
        freeBits -= 1
        if bit { bytes[bytes.count - 1] |= 1 << UInt8(freeBits) }
    }

    /// Writes the low `count` bits of `value`, high bit first.
    mutating func writeBits(_ value: UInt64, count: Int) {
        var remaining = count
        while remaining > 0 {
            if freeBits == 0 {
                bytes.append(0)
                freeBits = 8
            }
            let take = min(freeBits, remaining)
            let shift = remaining - take
            let chunk = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & ((1 << UInt64(take)) - 1))
            bytes[bytes.count - 1] |= chunk << UInt8(freeBits - take)
            freeBits -= take
            remaining -= take
        }
    }
}

struct BitReader {
    struct Truncated: Error {}

    private let bytes: [UInt8]
    private var position: Int
    private var bitOffset = 0

    init(_ bytes: [UInt8], startingAt position: Int) {
        self.bytes = bytes
        self.position = position
    }

    mutating func readBit() throws -> Bool {
        guard position < bytes.count else { throw Truncated() }
        let bit = (bytes[position] >> UInt8(7 - bitOffset)) & 1 == 1
        bitOffset += 1
        if bitOffset == 8 {
            bitOffset = 0
            position += 1
        }
        return bit
    }

    mutating func readBits(_ count: Int) throws -> UInt64 {
        var value: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            guard position < bytes.count else { throw Truncated() }
            let available = 8 - bitOffset
            let take = min(available, remaining)
            let byte = UInt64(bytes[position])
            let bits = (byte >> UInt64(available - take)) & ((1 << UInt64(take)) - 1)
            value = (value << UInt64(take)) | bits
            bitOffset += take
            remaining -= take
            if bitOffset == 8 {
                bitOffset = 0
                position += 1
            }
        }
        return value
    }
}
