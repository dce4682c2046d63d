public import PerfwatchModel
import PerfwatchSketch

/// Encodes held-back derived metrics for `derived_journal` and back.
///
/// Metrics derived from browser beacons are held in memory like span-derived ones (so hot
/// sketch buckets are rewritten every few seconds, not every commit), but unlike spans the
/// beacons cannot be derived again after a crash. So each commit that holds them journals
/// them in the same transaction: one sequential row, far cheaper than the sketch rows it
/// stands for; the flush that writes them deletes the rows, and opening the store replays
/// what a crash left behind.
///
/// Format (all integers varints): `PWDJ`, version 1; series count, then per series: metric,
/// label count, (key, value) pairs, kind (index in `MetricKind.allCases`), temporality, unit
/// (strings as length + UTF-8); entry count, then per entry: series index, time (zigzag delta
/// from the previous entry's), value (8 bytes); sketch entry count, then per one: series index,
/// time (zigzag), length + encoded sketch.
public enum DerivedJournalCodec {
    static let magic: [UInt8] = Array("PWDJ".utf8)
    static let version: UInt8 = 1

    public struct Corrupt: Error, CustomStringConvertible {
        public var description: String { "derived journal row is corrupt" }
    }

    public static func encode(_ batch: PointBatch) -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + batch.series.count * 64 + batch.count * 12)
        writer.write(contentsOf: magic)
        writer.write(version)
        writer.writeVarint(UInt64(batch.series.count))
        for series in batch.series {
            writeString(series.key.metric, to: &writer)
            writer.writeVarint(UInt64(series.key.labels.count))
            for pair in series.key.labels.pairs {
                writeString(pair.key, to: &writer)
                writeString(pair.value, to: &writer)
            }
            writer.write(UInt8(MetricKind.allCases.firstIndex(of: series.kind)!))
            writer.write(UInt8(series.temporality.rawValue))
            writeString(series.unit, to: &writer)
        }
        writer.writeVarint(UInt64(batch.entries.count))
        var previous: Int64 = 0
        for entry in batch.entries {
            writer.writeVarint(UInt64(entry.series))
            writer.writeSignedVarint(entry.sample.timeMs &- previous)
            previous = entry.sample.timeMs
            writer.writeDouble(entry.sample.value)
        }
        writer.writeVarint(UInt64(batch.sketchEntries.count))
        for entry in batch.sketchEntries {
            writer.writeVarint(UInt64(entry.series))
            writer.writeSignedVarint(entry.timeMs)
            writer.writeVarint(UInt64(entry.sketch.count))
            writer.write(contentsOf: entry.sketch)
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> PointBatch {
        do {
            return try bytes.withUnsafeBytes { buffer in
                var reader = ByteReader(buffer)
                for expected in magic where try reader.read() != expected { throw Corrupt() }
                guard try reader.read() == version else { throw Corrupt() }
                var batch = PointBatch()
                let seriesCount = try reader.readCount(limit: buffer.count)
                for _ in 0..<seriesCount {
                    let metric = try readString(&reader, buffer)
                    let labelCount = try reader.readCount(limit: buffer.count)
                    var pairs: [(key: String, value: String)] = []
                    for _ in 0..<labelCount { pairs.append((key: try readString(&reader, buffer), value: try readString(&reader, buffer))) }
                    guard pairs.count < 2 || zip(pairs, pairs.dropFirst()).allSatisfy({ $0.key < $1.key }) else { throw Corrupt() }
                    let kindIndex = Int(try reader.read())
                    guard kindIndex < MetricKind.allCases.count, let temporality = Temporality(rawValue: Int(try reader.read())) else {
                        throw Corrupt()
                    }
                    let unit = try readString(&reader, buffer)
                    _ = batch.addSeries(
                        PointBatch.Series(
                            key: SeriesKey(metric: metric, labels: Labels(sortedPairs: pairs)), kind: MetricKind.allCases[kindIndex],
                            temporality: temporality, unit: unit))
                }
                let entryCount = try reader.readCount(limit: buffer.count)
                batch.reserveCapacity(entries: entryCount)
                var time: Int64 = 0
                for _ in 0..<entryCount {
                    let series = try readIndex(&reader, below: seriesCount)
                    time &+= try reader.readSignedVarint()
                    batch.add(series: Int32(series), sample: Sample(timeMs: time, value: try reader.readDouble()))
                }
                let sketchCount = try reader.readCount(limit: buffer.count)
                for _ in 0..<sketchCount {
                    let series = try readIndex(&reader, below: seriesCount)
                    let timeMs = try reader.readSignedVarint()
                    let length = try reader.readCount(limit: buffer.count - reader.offset)
                    let start = reader.offset
                    try reader.skip(length)
                    batch.add(series: Int32(series), timeMs: timeMs, sketch: Array(bytes[start..<start + length]))
                }
                guard reader.offset == buffer.count else { throw Corrupt() }
                return batch
            }
        } catch is Corrupt {
            throw Corrupt()
        } catch {
            throw Corrupt()  // truncated
        }
    }

    static func readIndex(_ reader: inout ByteReader, below count: Int) throws -> Int {
        let value = try reader.readVarint()
        guard value < UInt64(count) else { throw Corrupt() }
        return Int(value)
    }

    static func writeString(_ text: String, to writer: inout ByteWriter) {
        writer.writeVarint(UInt64(text.utf8.count))
        writer.write(contentsOf: text.utf8)
    }

    static func readString(_ reader: inout ByteReader, _ buffer: UnsafeRawBufferPointer) throws -> String {
        let length = try reader.readCount(limit: buffer.count - reader.offset)
        let start = reader.offset
        try reader.skip(length)
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[start..<start + length]), as: UTF8.self)
    }
}
