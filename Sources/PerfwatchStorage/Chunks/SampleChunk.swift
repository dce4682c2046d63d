public import PerfwatchModel

/// Compressed block of time-ordered (time, value) samples of one counter or gauge series.
///
/// Timestamps are delta-of-delta coded. Values take one of two paths, chosen per chunk from
/// all of its samples: when every value is a decimal with at most four fraction digits they
/// become integers (scaled by `10^e`, then shifted right by their common trailing zero bits)
/// coded as deltas or deltas-of-deltas, whichever is smaller; otherwise Gorilla XOR coding.
/// The byte layout is specified in docs/formats/sample-chunk.md.
///
/// The encoder appends incrementally while new samples fit the chosen parameters;
/// `SampleChunkEncoder.best(for:)` re-chooses them from scratch.
public struct SampleChunkEncoder: Sendable {
    public enum ValueEncoding: UInt8, Sendable {
        case xor = 0
        case scaledInteger = 1
    }

    /// How scaled integers are differenced.
    public enum IntegerMode: UInt8, Sendable {
        /// vᵢ − vᵢ₋₁: best for gauges and counters with an irregular rate.
        case delta = 0
        /// (vᵢ − vᵢ₋₁) − (vᵢ₋₁ − vᵢ₋₂): best for counters with a steady rate.
        case deltaOfDelta = 1
    }

    static let formatVersion: UInt8 = 1
    /// Largest scale exponent tried: values like 12.3456 still take the integer path.
    static let maxScaleExponent = 4
    static let maxShift = 40

    public let encoding: ValueEncoding
    public let scaleExponent: Int
    public let shift: Int
    public let integerMode: IntegerMode
    /// Payload width `b` of the smallest value bucket (then 2b, 3b), fitted to the data.
    public let valueBits: Int
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

    static let valueBitsRange = 1...20

    init(encoding: ValueEncoding, scaleExponent: Int, shift: Int, integerMode: IntegerMode, valueBits: Int) {
        self.encoding = encoding
        self.scaleExponent = scaleExponent
        self.shift = shift
        self.integerMode = integerMode
        self.valueBits = valueBits
    }

    /// An XOR encoder: accepts any value.
    public static func xor() -> SampleChunkEncoder {
        SampleChunkEncoder(encoding: .xor, scaleExponent: 0, shift: 0, integerMode: .delta, valueBits: 7)
    }

    /// The smallest encoding of `samples` (sorted by time): parameters chosen from all values.
    public static func best(for samples: [Sample]) -> SampleChunkEncoder {
        var encoder = choose(for: samples)
        for sample in samples { encoder.append(sample) }
        return encoder
    }

    /// Re-encodes `samples` (sorted by time) with this encoder's parameters when they all fit —
    /// the common case when late samples are merged in — else chooses afresh.
    public func reencoded(_ samples: [Sample]) -> SampleChunkEncoder {
        var encoder = SampleChunkEncoder(
            encoding: encoding, scaleExponent: scaleExponent, shift: shift, integerMode: integerMode, valueBits: valueBits)
        for sample in samples {
            guard encoder.canAppend(sample) else { return .best(for: samples) }
            encoder.append(sample)
        }
        return encoder
    }

    static func choose(for samples: [Sample]) -> SampleChunkEncoder {
        guard !samples.isEmpty else { return .xor() }
        // Smallest decimal exponent that represents every value exactly.
        var exponent = 0
        for sample in samples {
            while exponent <= maxScaleExponent && scaled(sample.value, exponent: exponent) == nil { exponent += 1 }
            if exponent > maxScaleExponent { return .xor() }
        }
        var integers: [Int64] = []
        integers.reserveCapacity(samples.count)
        var shift = maxShift
        for sample in samples {
            // A larger exponent chosen for one value can overflow another (8.9e15 beside 12.5).
            guard let integer = scaled(sample.value, exponent: exponent) else { return .xor() }
            integers.append(integer)
            if integer != 0 { shift = min(shift, integer.trailingZeroBitCount) }
        }
        if shift == maxShift { shift = 0 }  // all zero
        var deltas: [Int64] = []
        var deltasOfDeltas: [Int64] = []
        deltas.reserveCapacity(integers.count)
        deltasOfDeltas.reserveCapacity(integers.count)
        var previous = integers[0] >> Int64(shift)
        var previousDelta: Int64 = 0
        for integer in integers.dropFirst() {
            let value = integer >> Int64(shift)
            let delta = value &- previous
            deltas.append(delta)
            deltasOfDeltas.append(delta &- previousDelta)
            previous = value
            previousDelta = delta
        }
        // Cost every bucket width from a histogram of the widths the values need.
        let deltaWidths = widthHistogram(deltas)
        let deltaOfDeltaWidths = widthHistogram(deltasOfDeltas)
        var best = (cost: Int.max, mode: IntegerMode.delta, bits: 7)
        for bits in valueBitsRange {
            let deltaCost = cost(deltaWidths, baseBits: bits)
            if deltaCost < best.cost { best = (deltaCost, .delta, bits) }
            let deltaOfDeltaCost = cost(deltaOfDeltaWidths, baseBits: bits)
            if deltaOfDeltaCost < best.cost { best = (deltaOfDeltaCost, .deltaOfDelta, bits) }
        }
        return SampleChunkEncoder(
            encoding: .scaledInteger, scaleExponent: exponent, shift: shift, integerMode: best.mode, valueBits: best.bits)
    }

    /// Whether `sample` can be appended (time order kept and value representable).
    public func canAppend(_ sample: Sample) -> Bool {
        if count > 0 && sample.timeMs < lastTime { return false }
        guard encoding == .scaledInteger else { return true }
        guard let integer = Self.scaled(sample.value, exponent: scaleExponent) else { return false }
        return shift == 0 || integer & ((1 << Int64(shift)) - 1) == 0
    }

    public mutating func append(_ sample: Sample) {
        precondition(canAppend(sample))
        if count == 0 {
            bits.writeBits(UInt64(bitPattern: sample.timeMs), count: 64)
            firstTime = sample.timeMs
        } else {
            let delta = sample.timeMs &- lastTime
            Self.writeBucketed(delta &- previousDelta, into: &bits)
            previousDelta = delta
        }
        lastTime = sample.timeMs
        switch encoding {
        case .scaledInteger: appendInteger(Self.scaled(sample.value, exponent: scaleExponent)! >> Int64(shift))
        case .xor: appendXOR(sample.value.bitPattern)
        }
        count += 1
    }

    private mutating func appendInteger(_ value: Int64) {
        if count == 0 {
            bits.writeBits(UInt64(bitPattern: value), count: 64)
        } else {
            let delta = value &- previousInteger
            switch integerMode {
            case .delta: Self.writeValue(delta, baseBits: valueBits, into: &bits)
            case .deltaOfDelta: Self.writeValue(delta &- previousIntegerDelta, baseBits: valueBits, into: &bits)
            }
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
        if count > 1 && previousLeading <= leading && previousTrailing <= trailing {
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
        var header: [UInt8] = [
            Self.formatVersion, encoding.rawValue, UInt8(scaleExponent), UInt8(shift), integerMode.rawValue,
            UInt8(valueBits),
        ]
        var remaining = UInt64(count)
        while remaining >= 0x80 {
            header.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        header.append(UInt8(remaining))
        return header + bits.bytes
    }

    /// Buckets: 0 → `0`; ±63 → `10`+7 bits; ±8191 → `110`+14; ±2^23 → `1110`+24; else `1111`+64.
    static func writeBucketed(_ value: Int64, into bits: inout BitWriter) {
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

    /// Value buckets of width b: 0 → `0`; `10`+b bits; `110`+2b; `1110`+3b; `1111`+64 raw.
    /// Each payload holds `value − 1` in two's complement, so a b-bit bucket covers
    /// −(2^(b−1) − 1) … 2^(b−1).
    static func writeValue(_ value: Int64, baseBits: Int, into bits: inout BitWriter) {
        if value == 0 {
            bits.writeBit(false)
            return
        }
        for (index, width) in [baseBits, 2 * baseBits, 3 * baseBits].enumerated() where fits(value, width) {
            bits.writeBits((1 << UInt64(index + 2)) - 2, count: index + 2)  // 10, 110, 1110
            bits.writeBits(UInt64(bitPattern: value - 1) & ((1 << UInt64(width)) - 1), count: width)
            return
        }
        bits.writeBits(0b1111, count: 4)
        bits.writeBits(UInt64(bitPattern: value), count: 64)
    }

    @inline(__always)
    static func fits(_ value: Int64, _ width: Int) -> Bool {
        let half = Int64(1) << Int64(width - 1)
        return value > -half && value <= half
    }

    /// Counts of values by the smallest bucket payload width that holds them (0 for zero).
    static func widthHistogram(_ values: [Int64]) -> [Int] {
        var histogram = [Int](repeating: 0, count: 66)
        for value in values {
            if value == 0 {
                histogram[0] += 1
            } else if value > 0 {
                histogram[65 - (value - 1).leadingZeroBitCount] += 1
            } else {
                histogram[65 - UInt64(bitPattern: 0 &- value).leadingZeroBitCount] += 1
            }
        }
        return histogram
    }

    static func cost(_ histogram: [Int], baseBits: Int) -> Int {
        var total = histogram[0]
        for width in 1..<histogram.count where histogram[width] > 0 {
            let perValue: Int
            if width <= baseBits { perValue = 2 + baseBits }
            else if width <= 2 * baseBits { perValue = 3 + 2 * baseBits }
            else if width <= 3 * baseBits { perValue = 4 + 3 * baseBits }
            else { perValue = 68 }
            total += histogram[width] * perValue
        }
        return total
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
}

/// Decodes chunks written by `SampleChunkEncoder`.
public enum SampleChunkDecoder {
    public struct CorruptChunk: Error, CustomStringConvertible {
        public let description: String
    }

    public static func decode(_ bytes: [UInt8]) throws -> [Sample] {
        guard bytes.count >= 6, bytes[0] == SampleChunkEncoder.formatVersion,
            let encoding = SampleChunkEncoder.ValueEncoding(rawValue: bytes[1]),
            Int(bytes[2]) <= SampleChunkEncoder.maxScaleExponent, Int(bytes[3]) <= SampleChunkEncoder.maxShift,
            let integerMode = SampleChunkEncoder.IntegerMode(rawValue: bytes[4]),
            bytes.count >= 7, SampleChunkEncoder.valueBitsRange.contains(Int(bytes[5]))
        else { throw CorruptChunk(description: "bad chunk header") }
        let bucketBits = Int(bytes[5])
        let exponent = Int(bytes[2])
        let shift = Int64(bytes[3])
        var position = 6
        var count: UInt64 = 0
        var shiftBits: UInt64 = 0
        while true {
            guard position < bytes.count, shiftBits < 64 else { throw CorruptChunk(description: "bad sample count") }
            let byte = bytes[position]
            position += 1
            count |= UInt64(byte & 0x7F) << shiftBits
            if byte < 0x80 { break }
            shiftBits += 7
        }
        guard count <= UInt64(bytes.count) * 8 else { throw CorruptChunk(description: "sample count too large") }
        var reader = BitReader(bytes, startingAt: position)
        var samples: [Sample] = []
        samples.reserveCapacity(Int(count))
        let scale = SampleChunkEncoder.powersOfTen[exponent]
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
                    delta = delta &+ (try readBucketed(&reader))
                    time = time &+ delta
                }
                let value: Double
                switch encoding {
                case .scaledInteger:
                    if index == 0 {
                        integer = Int64(bitPattern: try reader.readBits(64))
                    } else {
                        let coded = try readValue(&reader, baseBits: bucketBits)
                        switch integerMode {
                        case .delta: integerDelta = coded
                        case .deltaOfDelta: integerDelta = integerDelta &+ coded
                        }
                        integer = integer &+ integerDelta
                    }
                    value = Double(integer << shift) / scale
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

    static func readValue(_ reader: inout BitReader, baseBits: Int) throws -> Int64 {
        var prefix = 0
        while prefix < 4, try reader.readBit() { prefix += 1 }
        switch prefix {
        case 0: return 0
        case 1, 2, 3:
            let width = prefix * baseBits
            let raw = try reader.readBits(width)
            let shift = UInt64(64 - width)
            return (Int64(bitPattern: raw << shift) >> Int64(shift)) + 1
        default:
            return Int64(bitPattern: try reader.readBits(64))
        }
    }

    static func readBucketed(_ reader: inout BitReader) throws -> Int64 {
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
