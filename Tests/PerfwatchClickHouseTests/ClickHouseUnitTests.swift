@testable import PerfwatchClickHouse
import PerfwatchModel
import PerfwatchSketch
import PerfwatchStorage
import PerfwatchTesting
import Testing

@Suite("ClickHouse backend: pieces without a server")
struct ClickHouseUnitTests {
    @Test("a ClickHouse URL gives host, port and database; defaults 8123 and perfwatch")
    func parsesLocations() throws {
        let full = try ClickHouseLocation(parsing: "clickhouse://writer:s3cret@ch1.example:9123/metrics_1")
        #expect(full == ClickHouseLocation(host: "ch1.example", port: 9123, database: "metrics_1", user: "writer", password: "s3cret"))
        #expect(full.description == "clickhouse://writer@ch1.example:9123/metrics_1")
        #expect(try ClickHouseLocation(parsing: "clickhouse://ch1") == ClickHouseLocation(host: "ch1"))
    }

    @Test(
        "a bad ClickHouse URL is refused with the problem named",
        arguments: [
            ("http://ch1:8123/db", "scheme"), ("clickhouse:///db", "no host"), ("clickhouse://ch1/my-db", "database name"),
            ("clickhouse://ch1/db?cluster=perf", "unknown parameter \"cluster\""), ("clickhouse://ch1:0/db", "out of range"),
            ("clickhouse://ch1/1db", "database name"), ("clickhouse://ch1/db;DROP", "database name"),
        ])
    func refusesBadLocations(text: String, problem: String) {
        do {
            _ = try ClickHouseLocation(parsing: text)
            Issue.record("\(text) was accepted")
        } catch let error as PerfwatchError {
            #expect(error.code == .badRequest)
            #expect(error.message.contains(problem), "\(error.message)")
            #expect(error.message.contains("clickhouse://host[:port][/database]"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("series ids are FNV-1a of the canonical key: stable across processes and nodes")
    func seriesIDs() {
        // Computed independently (Python) from the bytes "a{}".
        #expect(SeriesIdentity.id(of: SeriesKey(metric: "a", labels: Labels())) == -1_783_799_178_928_056_104)
        let one = SeriesKey(metric: "http.latency", labels: Labels(["route": "/a", "method": "GET"]))
        let same = SeriesKey(metric: "http.latency", labels: Labels(["method": "GET", "route": "/a"]))
        #expect(SeriesIdentity.id(of: one) == SeriesIdentity.id(of: same))
        #expect(SeriesIdentity.id(of: one) != SeriesIdentity.id(of: SeriesKey(metric: "http.latency", labels: Labels(["route": "/b", "method": "GET"]))))
    }

    @Test("a sketch survives bins and back exactly; bins added key by key merge like sketches", arguments: TestDistribution.allCases)
    func sketchBins(distribution: TestDistribution) throws {
        var first = QuantileSketch()
        var second = QuantileSketch()
        for (index, value) in distribution.values(count: 2000, seed: 5).enumerated() {
            // Negative values too: the mirrored store has keys of its own.
            if index % 2 == 0 { first.add(index % 10 == 0 ? -value : value) } else { second.add(value) }
        }
        let bins = try SketchBins(first)
        #expect(try bins.sketch(count: first.count, sum: first.sum, min: first.min, max: first.max) == first)
        // What sumMap does: concatenate, add counts of equal keys.
        let other = try SketchBins(second)
        var added: [Int64: UInt64] = [:]
        for (key, count) in zip(bins.keys + other.keys, bins.counts + other.counts) { added[key, default: 0] += count }
        let keys = added.keys.sorted()
        var merged = first
        merged.merge(second)
        let rebuilt = try SketchBins(keys: keys, counts: keys.map { added[$0]! })
            .sketch(count: merged.count, sum: merged.sum, min: merged.min, max: merged.max)
        #expect(rebuilt == merged)
    }

    @Test("a sketch of another accuracy is refused, not merged wrongly")
    func otherAccuracy() {
        var sketch = QuantileSketch(relativeAccuracy: 0.05)
        sketch.add(3)
        #expect(throws: SketchBins.Unsupported.self) { try SketchBins(sketch) }
    }

    @Test("RowBinary numbers, strings and arrays read back as written")
    func rowBinary() throws {
        var writer = ByteWriter()
        writer.writeInt64(-5)
        writer.writeFloat64(0.1)
        writer.writeString("héllo")
        writer.writeStrings(["a", ""])
        writer.writeInt64s([Int64.min, 7])
        writer.writeUInt64s([UInt64.max])
        var reader = RowBinaryReader(writer.bytes)
        #expect(try reader.readInt64() == -5)
        #expect(try reader.readFloat64() == 0.1)
        #expect(try reader.readString() == "héllo")
        #expect(try reader.readStrings() == ["a", ""])
        #expect(try reader.readInt64s() == [Int64.min, 7])
        #expect(try reader.readUInt64s() == [UInt64.max])
        #expect(reader.isAtEnd)
        var truncated = RowBinaryReader(Array(writer.bytes.prefix(12)))
        _ = try truncated.readInt64()
        #expect(throws: RowBinaryReader.Truncated.self) { try truncated.readFloat64() }
    }

    @Test("a server that does not answer fails the open with the location named")
    func unreachable() async throws {
        // Port 1 on loopback: nothing listens there (tcpmux), the connection is refused at once.
        let location = ClickHouseLocation(host: "127.0.0.1", port: 1, database: "perfwatch")
        do {
            _ = try await ClickHouseStore.open(location: location)
            Issue.record("opened a store on a closed port")
        } catch let error as PerfwatchError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("clickhouse://127.0.0.1:1/perfwatch is unreachable"), "\(error.message)")
        }
    }
}
