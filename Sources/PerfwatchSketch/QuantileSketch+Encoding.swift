/// Binary form of a sketch; the layout is written down in docs/formats/quantile-sketch.md.
extension QuantileSketch {
    public struct DecodingError: Error, CustomStringConvertible {
        public let description: String
    }

    static let formatVersion: UInt8 = 1

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 32 + positive.counts.count * 2)
        writer.write(Self.formatVersion)
        writer.writeDouble(relativeAccuracy)
        writer.writeVarint(count)
        writer.writeDouble(sum)
        writer.writeDouble(min)
        writer.writeDouble(max)
        writer.writeVarint(zeroCount)
        Self.encode(positive, into: &writer)
        Self.encode(negative, into: &writer)
        return writer.bytes
    }

    public init(encoded bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try QuantileSketch(encoded: $0) }
    }

    /// Decodes borrowed bytes (a database blob) without copying them first.
    public init(encoded bytes: UnsafeRawBufferPointer) throws {
        var reader = ByteReader(bytes)
        do {
            let version = try reader.read()
            guard version == Self.formatVersion else {
                throw DecodingError(description: "unknown sketch format version \(version)")
            }
            let accuracy = try reader.readDouble()
            guard accuracy > 0 && accuracy < 1 else { throw DecodingError(description: "bad accuracy \(accuracy)") }
            let count = try reader.readVarint()
            let sum = try reader.readDouble()
            let min = try reader.readDouble()
            let max = try reader.readDouble()
            let zeroCount = try reader.readVarint()
            let positive = try Self.decodeStore(&reader)
            let negative = try Self.decodeStore(&reader)
            self.init(
                relativeAccuracy: accuracy, count: count, sum: sum, min: min, max: max, zeroCount: zeroCount,
                positive: positive, negative: negative)
        } catch is ByteReader.Truncated {
            throw DecodingError(description: "truncated sketch")
        }
    }

    private static func encode(_ store: DenseBinStore, into writer: inout ByteWriter) {
        writer.writeVarint(UInt64(store.counts.count))
        guard !store.counts.isEmpty else { return }
        writer.writeSignedVarint(Int64(store.offset))
        for value in store.counts { writer.writeVarint(value) }
    }

    private static func decodeStore(_ reader: inout ByteReader) throws -> DenseBinStore {
        let length = try reader.readVarint()
        guard length <= UInt64(DenseBinStore.maxBins) else {
            throw DecodingError(description: "sketch has \(length) bins, more than \(DenseBinStore.maxBins)")
        }
        guard length > 0 else { return DenseBinStore() }
        let offset = try reader.readSignedVarint()
        guard let offset32 = Int32(exactly: offset) else { throw DecodingError(description: "bin offset out of range") }
        let counts = try [UInt64](unsafeUninitializedCapacity: Int(length)) { buffer, initialized in
            for index in 0..<Int(length) {
                buffer[index] = try reader.readVarint()
                initialized = index + 1
            }
        }
        return DenseBinStore(offset: offset32, counts: counts)
    }
}
