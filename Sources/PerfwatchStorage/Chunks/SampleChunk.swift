public import PerfwatchModel

/// Compressed, append-only block of (time, value) samples for one counter or gauge series.
///
/// Timestamps are delta-of-delta coded; values are either Gorilla XOR coded or — when every
/// value is a decimal with at most four fraction digits — scaled to integers and
/// delta-of-delta coded, which is far smaller for counters and integer gauges. The byte layout
/// is specified in docs/formats/sample-chunk.md.
public struct SampleChunkEncoder: Sendable {
    public enum ValueEncoding: UInt8, Sendable {
        case xor = 0
        case scaledInteger = 1
    }

    static let formatVersion: UInt8 = 1
    /// Largest scale exponent tried: values like 12.3456 still take the integer path.
    static let maxScaleExponent = 4

    public let encoding: ValueEncoding
    public let scaleExponent: Int
    public private(set) var count = 0
    public private(set) var firstTime: Int64 = 0
    public private(set) var lastTime: Int64 = 0

    private var bits = BitWriter()
    private var previousDelta: Int64 = 0
    // XOR state
    private var previousValueBits: UInt64 = 0
    private var previousLeading = 0
    private var previousTrailing = 0
    // Scaled integer state
    private var previousInteger: Int64 = 0
    private var previousIntegerDelta: Int64 = 0

    /// Starts a chunk whose value encoding fits `firstValue`, preferring at least `minimumScale`.
    public init(firstValue: Double, minimumScale: Int = 0) {
        if let exponent = Self.scaleExponent(for: firstValue, minimum: minimumScale) {
            encoding = .scaledInteger
            scaleExponent = exponent
        } else {
            encoding = .xor
            scaleExponent = 0
        }
    }

    /// Whether `sample` can be appended (time order kept and value representable).
    public func canAppend(_ sample: Sample) -> Bool {
        if count > 0 && sample.timeMs < lastTime { return false }
        if encoding == .scaledInteger { return Self.scaled(sample.value, exponent: scaleExponent) != nil }
        return true
    }

    public mutating func append(_ sample: Sample) {
        precondition(canAppend(sample))
        if count == 0 {
            bits.writeBits(UInt64(bitPattern: sample.timeMs), count: 64)
            firstTime = sample.timeMs
        } else {
            let delta = sample.timeMs - lastTime
            Self.writeDeltaOfDelta(delta &- previousDelta, into: &bits)
            previousDelta = delta
        }
        lastTime = sample.timeMs
        switch encoding {
        case .scaledInteger: appendInteger(Self.scaled(sample.value, exponent: scaleExponent)!)
        case .xor: appendXOR(sample.value.bitPattern)
        }
        count += 1
    }

    private mutating func appendInteger(_ value: Int64) {
        if count == 0 {
            bits.writeBits(UInt64(bitPattern: value), count: 64)
        } else {
            let delta = value &- previousInteger
            Self.writeDeltaOfDelta(delta &- previousIntegerDelta, into: &bits)
            previousIntegerDelta = delta
        }
        previousInteger = value
    }

    private mutating func appendXOR(_ valueBits: UInt64) {
        defer { previousValueBits = valueBits }
        if count == 0 {
            bits.writeBits(valueBits, count: 64)
            return
        }
        let xor = valueBits ^ previousValueBits
        if xor == 0 {
            bits.writeBit(false)
            return
        }
        bits.writeBit(true)
        let leading = min(xor.leadingZeroBitCount, 31)
        let trailing = xor.trailingZeroBitCount
        if count > 1 && previousLeading <= leading && previousTrailing <= trailing
            && (previousLeading + previousTrailing) < 64
        {
            bits.writeBit(false)
            let meaningful = 64 - previousLeading - previousTrailing
            bits.writeBits(xor >> UInt64(previousTrailing), count: meaningful)
        } else {
            bits.writeBit(true)
            let meaningful = 64 - leading - trailing
            bits.writeBits(UInt64(leading), count: 5)
            // 64 meaningful bits are stored as 0 in the 6-bit field.
            bits.writeBits(UInt64(meaningful & 63), count: 6)
            bits.writeBits(xor >> UInt64(trailing), count: meaningful)
            previousLeading = leading
            previousTrailing = trailing
        }
    }

    /// The chunk's bytes: header then the bit stream.
    public var bytes: [UInt8] {
        var header: [UInt8] = [Self.formatVersion, encoding.rawValue, UInt8(scaleExponent)]
        var remaining = UInt64(count)
        while remaining >= 0x80 {
            header.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        header.append(UInt8(remaining))
        return header + bits.bytes
    }

    /// Delta-of-delta buckets: 0 → `0`; ±63 → `10`+7 bits; ±8191 → `110`+14; ±2^23 → `1110`+24; else `1111`+64.
    static func writeDeltaOfDelta(_ value: Int64, into bits: inout BitWriter) {
        switch value {
        case 0:
            bits.writeBit(false)
        case -63...64:
            bits.writeBits(0b10, count: 2)
            bits.writeBits(UInt64(bitPattern: value - 1) & 0x7F, count: 7)
        case -8191...8192:
            bits.writeBits(0b110, count: 3)
            bits.writeBits(UInt64(bitPattern: value - 1) & 0x3FFF, count: 14)
        case -8_388_607...8_388_608:
            bits.writeBits(0b1110, count: 4)
            bits.writeBits(UInt64(bitPattern: value - 1) & 0xFF_FFFF, count: 24)
        default:
            bits.writeBits(0b1111, count: 4)
            bits.writeBits(UInt64(bitPattern: value), count: 64)
        }
    }

    static let powersOfTen: [Double] = [1, 10, 100, 1000, 10000]

    /// The integer `value·10^exponent` when decoding it back gives exactly `value`.
    static func scaled(_ value: Double, exponent: Int) -> Int64? {
        let scaledValue = (value * powersOfTen[exponent]).rounded()
        guard abs(scaledValue) < 9.0e15 else { return nil }
        let integer = Int64(scaledValue)
        guard Double(integer) / powersOfTen[exponent] == value else { return nil }
        return integer
    }

    static func scaleExponent(for value: Double, minimum: Int) -> Int? {
        guard value.isFinite else { return nil }
        for exponent in min(minimum, maxScaleExponent)...maxScaleExponent where scaled(value, exponent: exponent) != nil {
            return exponent
        }
        return nil
    }
}

/// Decodes chunks written by `SampleChunkEncoder`.
public enum SampleChunkDecoder {
    public struct CorruptChunk: Error, CustomStringConvertible {
        public let description: String
    }

    public static func decode(_ bytes: [UInt8]) throws -> [Sample] {
        guard bytes.count >= 4, bytes[0] == SampleChunkEncoder.formatVersion,
            let encoding = SampleChunkEncoder.ValueEncoding(rawValue: bytes[1]),
            Int(bytes[2]) <= SampleChunkEncoder.maxScaleExponent
        else { throw CorruptChunk(description: "bad chunk header") }
        let exponent = Int(bytes[2])
        var position = 3
        var count: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count, shift < 64 else { throw CorruptChunk(description: "bad sample count") }
            let byte = bytes[position]
            position += 1
            count |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        guard count <= UInt64(bytes.count) * 8 else { throw CorruptChunk(description: "sample count too large") }
        var reader = BitReader(bytes, startingAt: position)
        var samples: [Sample] = []
        samples.reserveCapacity(Int(count))
        do {
            var time: Int64 = 0
            var delta: Int64 = 0
            var valueBits: UInt64 = 0
            var leading = 0
            var trailing = 0
            var integer: Int64 = 0
            var integerDelta: Int64 = 0
            for index in 0..<Int(count) {
                if index == 0 {
                    time = Int64(bitPattern: try reader.readBits(64))
                } else {
                    delta = delta &+ (try readDeltaOfDelta(&reader))
                    time = time &+ delta
                }
                let value: Double
                switch encoding {
                case .scaledInteger:
                    if index == 0 {
                        integer = Int64(bitPattern: try reader.readBits(64))
                    } else {
                        integerDelta = integerDelta &+ (try readDeltaOfDelta(&reader))
                        integer = integer &+ integerDelta
                    }
                    value = Double(integer) / SampleChunkEncoder.powersOfTen[exponent]
                case .xor:
                    if index == 0 {
                        valueBits = try reader.readBits(64)
                    } else if try reader.readBit() {
                        if try reader.readBit() {
                            leading = Int(try reader.readBits(5))
                            var meaningful = Int(try reader.readBits(6))
                            if meaningful == 0 { meaningful = 64 }
                            trailing = 64 - leading - meaningful
                            guard trailing >= 0 else { throw CorruptChunk(description: "bad XOR window") }
                        }
                        let meaningful = 64 - leading - trailing
                        let xor = try reader.readBits(meaningful) << UInt64(trailing)
                        valueBits ^= xor
                    }
                    value = Double(bitPattern: valueBits)
                }
                samples.append(Sample(timeMs: time, value: value))
            }
        } catch is BitReader.Truncated {
            throw CorruptChunk(description: "truncated chunk")
        }
        return samples
    }

    static func readDeltaOfDelta(_ reader: inout BitReader) throws -> Int64 {
        func signed(_ raw: UInt64, bits: Int) -> Int64 {
            // Sign-extend the stored (value - 1) and undo the offset.
            let shift = UInt64(64 - bits)
            return (Int64(bitPattern: raw << shift) >> Int64(shift)) + 1
        }
        if !(try reader.readBit()) { return 0 }
        if !(try reader.readBit()) { return signed(try reader.readBits(7), bits: 7) }
        if !(try reader.readBit()) { return signed(try reader.readBits(14), bits: 14) }
        if !(try reader.readBit()) { return signed(try reader.readBits(24), bits: 24) }
        return Int64(bitPattern: try reader.readBits(64))
    }
}
