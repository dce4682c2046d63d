import PerfwatchModel
import PerfwatchSketch
import PerfwatchStorage

/// RowBinary rows of the store's INSERTs (column order as in `ClickHouseStatements`).
enum ClickHouseRows {
    struct SampleRow {
        var seriesID: Int64
        var sample: Sample
    }

    struct DistributionRow {
        var seriesID: Int64
        var bucketStart: Int64
        var sketch: QuantileSketch
    }

    static func series(_ series: [SeriesInfo], createdMs: Int64) -> [UInt8] {
        var writer = ByteWriter(capacity: series.count * 96)
        for info in series {
            writer.writeInt64(info.id)
            writer.writeString(info.key.metric)
            writer.writeStrings(info.key.labels.pairs.map(\.key))
            writer.writeStrings(info.key.labels.pairs.map(\.value))
            writer.writeString(info.kind.rawValue)
            writer.write(UInt8(info.temporality.rawValue))
            writer.writeString(info.unit)
            writer.writeInt64(createdMs)
        }
        return writer.bytes
    }

    static func samples(_ rows: [SampleRow]) -> [UInt8] {
        var writer = ByteWriter(capacity: rows.count * 24)
        for row in rows {
            writer.writeInt64(row.seriesID)
            writer.writeInt64(row.sample.timeMs)
            writer.writeFloat64(row.sample.value)
        }
        return writer.bytes
    }

    static func distributions(_ rows: [DistributionRow]) throws -> [UInt8] {
        var writer = ByteWriter(capacity: rows.count * 128)
        for row in rows {
            let bins = try SketchBins(row.sketch)
            writer.writeInt64(row.seriesID)
            writer.writeInt64(row.bucketStart)
            writer.writeFixed64(row.sketch.count)
            writer.writeFloat64(row.sketch.sum)
            writer.writeFloat64(row.sketch.min)
            writer.writeFloat64(row.sketch.max)
            writer.writeInt64s(bins.keys)
            writer.writeUInt64s(bins.counts)
        }
        return writer.bytes
    }

    static func migration(version: Int, description: String, appliedMs: Int64) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeFixed32(UInt32(version))
        writer.writeString(description)
        writer.writeInt64(appliedMs)
        return writer.bytes
    }

    /// The catalog's rows, one per id.
    static func readSeries(_ bytes: [UInt8]) throws -> [SeriesInfo] {
        var reader = RowBinaryReader(bytes)
        var seen: Set<Int64> = []
        var result: [SeriesInfo] = []
        while !reader.isAtEnd {
            let id = try reader.readInt64()
            let metric = try reader.readString()
            let keys = try reader.readStrings()
            let values = try reader.readStrings()
            let kindText = try reader.readString()
            let temporality = try reader.readUInt8()
            let unit = try reader.readString()
            guard seen.insert(id).inserted else { continue }
            guard let kind = MetricKind(rawValue: kindText), keys.count == values.count else {
                throw PerfwatchError(.internal, "series \(id) (\(metric)) in ClickHouse has kind \(kindText.debugDescription) or uneven labels")
            }
            let labels = Labels(sortedPairs: zip(keys, values).map { (key: $0, value: $1) })
            result.append(
                SeriesInfo(
                    id: id, key: SeriesKey(metric: metric, labels: labels), kind: kind,
                    temporality: Temporality(rawValue: Int(temporality)) ?? .delta, unit: unit))
        }
        return result
    }
}
