import PerfwatchModel
import PerfwatchSketch

/// A quantile sketch as ClickHouse keeps it: parallel arrays of bin keys and counts, which merge
/// by adding counts per key (`sumMap(bin_keys, bin_counts)`), so buckets and resolutions are
/// merged inside ClickHouse exactly as `QuantileSketch.merge` would, and the 1% promise holds
/// without a raw value leaving the node. Count, sum, min and max travel in columns of their own.
///
/// A key names one bin of the sketch's encoding (docs/formats/quantile-sketch.md): a positive
/// value's bin index `i` is the key `i`, a negative value's `i + negativeBase`, the zero bin
/// `zeroKey`. Bin indexes fit in Int32, so the three ranges never meet.
struct SketchBins: Equatable {
    static let negativeBase: Int64 = 1 << 40
    static let zeroKey: Int64 = 1 << 42

    var keys: [Int64]
    var counts: [UInt64]

    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    /// The bins of `sketch` (read from its encoding: the bins' indexes are not public API).
    init(_ sketch: QuantileSketch) throws {
        guard sketch.relativeAccuracy == QuantileSketch.defaultRelativeAccuracy else {
            throw Unsupported(description: "a sketch with relative accuracy \(sketch.relativeAccuracy) cannot merge with the store's (\(QuantileSketch.defaultRelativeAccuracy))")
        }
        var keys: [Int64] = []
        var counts: [UInt64] = []
        try sketch.encoded().withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            _ = try reader.read()  // version
            _ = try reader.readDouble()  // accuracy
            _ = try reader.readVarint()  // count
            _ = try reader.readDouble()  // sum
            _ = try reader.readDouble()  // min
            _ = try reader.readDouble()  // max
            let zeroCount = try reader.readVarint()
            if zeroCount > 0 {
                keys.append(Self.zeroKey)
                counts.append(zeroCount)
            }
            for base in [0, Self.negativeBase] {
                let length = try reader.readVarint()
                guard length > 0 else { continue }
                let offset = try reader.readSignedVarint()
                for position in 0..<Int64(length) {
                    let count = try reader.readVarint()
                    if count > 0 {
                        keys.append(base + offset + position)
                        counts.append(count)
                    }
                }
            }
        }
        self.keys = keys
        self.counts = counts
    }

    init(keys: [Int64], counts: [UInt64]) {
        self.keys = keys
        self.counts = counts
    }

    /// The sketch these bins (merged from any number of rows) stand for, with the exact
    /// statistics of the same rows.
    func sketch(count: UInt64, sum: Double, min: Double, max: Double) throws -> QuantileSketch {
        guard keys.count == counts.count else { throw Unsupported(description: "\(keys.count) bin keys but \(counts.count) counts") }
        var zero: UInt64 = 0
        var positive: [Int64: UInt64] = [:]
        var negative: [Int64: UInt64] = [:]
        for (key, binCount) in zip(keys, counts) where binCount > 0 {
            if key == Self.zeroKey {
                zero = zero.saturatingAdding(binCount)
            } else if key >= Self.negativeBase / 2 {
                negative[key - Self.negativeBase, default: 0] = negative[key - Self.negativeBase, default: 0].saturatingAdding(binCount)
            } else {
                positive[key, default: 0] = positive[key, default: 0].saturatingAdding(binCount)
            }
        }
        var writer = ByteWriter(capacity: 64 + 2 * keys.count)
        writer.write(1)  // the sketch format's version
        writer.writeDouble(QuantileSketch.defaultRelativeAccuracy)
        writer.writeVarint(count)
        writer.writeDouble(sum)
        writer.writeDouble(min)
        writer.writeDouble(max)
        writer.writeVarint(zero)
        for store in [positive, negative] {
            guard let low = store.keys.min(), let high = store.keys.max() else {
                writer.writeVarint(0)
                continue
            }
            writer.writeVarint(UInt64(high - low + 1))
            writer.writeSignedVarint(low)
            for index in low...high { writer.writeVarint(store[index] ?? 0) }
        }
        do {
            return try QuantileSketch(encoded: writer.bytes)
        } catch {
            throw Unsupported(description: "stored bins do not make a sketch: \(error)")
        }
    }
}
