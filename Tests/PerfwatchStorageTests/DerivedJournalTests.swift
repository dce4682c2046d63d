import Foundation
import PerfwatchModel
import PerfwatchSketch
import PerfwatchTesting
import Testing

@testable import PerfwatchStorage

@Suite("Derived journal")
struct DerivedJournalTests {
    static let now = TimeParsing.nowMs()

    func beaconMetrics(page: String, lcp: Double, at time: Int64) -> PointBatch {
        let labels = Labels(["page": page, "device": "mobile", "release": "r1"])
        return PointBatch([
            MetricPoint(series: SeriesKey(metric: "rum.page_views", labels: labels), kind: .counter, sample: Sample(timeMs: time, value: 1)),
            MetricPoint(series: SeriesKey(metric: "rum.lcp", labels: labels), kind: .distribution, unit: "ms", sample: Sample(timeMs: time, value: lcp)),
        ])
    }

    @Test("a batch survives encoding: series, kinds, temporality, units, entries in order, sketch entries")
    func roundTrip() throws {
        var batch = beaconMetrics(page: "/courses/:id", lcp: 1_234.5, at: Self.now)
        batch.append(
            MetricPoint(
                series: SeriesKey(metric: "g", labels: Labels(["é": "ü ✓", "a": ""])), kind: .gauge, temporality: .cumulative, unit: "bytes",
                sample: Sample(timeMs: Self.now - 90_000, value: -0.25)))
        var sketch = QuantileSketch()
        for value in [1.0, 2, 300] { sketch.add(value) }
        batch.add(series: 1, timeMs: Self.now - 5, sketch: sketch.encoded())
        let decoded = try DerivedJournalCodec.decode(DerivedJournalCodec.encode(batch))
        #expect(decoded.series == batch.series)
        #expect(decoded.entries == batch.entries)
        #expect(decoded.sketchEntries == batch.sketchEntries)
        #expect(try DerivedJournalCodec.decode(DerivedJournalCodec.encode(PointBatch())).isEmpty)
    }

    @Test("every truncation, a wrong magic and an out-of-range series index are refused, never trusted")
    func corrupt() {
        let bytes = DerivedJournalCodec.encode(beaconMetrics(page: "/", lcp: 10, at: Self.now))
        for length in 0..<bytes.count {
            #expect(throws: DerivedJournalCodec.Corrupt.self, "cut at \(length)") { try DerivedJournalCodec.decode(Array(bytes[..<length])) }
        }
        var wrongMagic = bytes
        wrongMagic[0] = UInt8(ascii: "X")
        #expect(throws: DerivedJournalCodec.Corrupt.self) { try DerivedJournalCodec.decode(wrongMagic) }
        #expect(throws: DerivedJournalCodec.Corrupt.self) { try DerivedJournalCodec.decode(bytes + [0]) }
        // One series, one entry pointing at series 3.
        var writer = [UInt8]("PWDJ".utf8) + [1, 1, 1, UInt8(ascii: "m"), 0, 1, 0, 0, 1, 3, 0]
        writer += [UInt8](repeating: 0, count: 8) + [0]
        #expect(throws: DerivedJournalCodec.Corrupt.self) { try DerivedJournalCodec.decode(writer) }
    }

    /// [page views counted, LCP values stored].
    @Test("beacons merged into one commit journal and hold each series once, every value kept")
    func mergedPayloadsShareSeries() {
        var all = IngestPayload(journaledDerived: beaconMetrics(page: "/a", lcp: 1, at: Self.now))
        all.append(contentsOf: IngestPayload(journaledDerived: beaconMetrics(page: "/a", lcp: 2, at: Self.now)))
        all.append(contentsOf: IngestPayload(journaledDerived: beaconMetrics(page: "/b", lcp: 3, at: Self.now)))
        #expect(all.journaledDerived.series.count == 4)
        #expect(all.journaledDerived.count == 6)
        let lcp = all.journaledDerived.points.filter { $0.series.metric == "rum.lcp" }
        #expect(lcp.map { "\($0.series.labels["page"] ?? "")=\($0.sample.value)" } == ["/a=1.0", "/a=2.0", "/b=3.0"])
    }

    /// Page views built as derivation builds them: entries naming slots of one shared series
    /// array, most slots unused.
    static let template: [PointBatch.Series] = ["rum.page_views", "rum.lcp", "rum.tbt", "rum.inp"].map { metric in
        PointBatch.Series(
            key: SeriesKey(metric: metric, labels: Labels(["page": "/t", "device": "mobile", "release": "r1"])),
            kind: metric == "rum.page_views" ? .counter : .distribution, temporality: .delta, unit: metric == "rum.page_views" ? "" : "ms")
    }

    func templated(lcp: Double) -> PointBatch {
        var batch = PointBatch(sharedSeries: Self.template)
        batch.add(series: 0, sample: Sample(timeMs: Self.now, value: 1))
        batch.add(series: 1, sample: Sample(timeMs: Self.now, value: lcp))
        return batch
    }

    @Test("batches on one shared series array merge by series, and the store creates only series with values")
    func sharedSeriesArrays() async throws {
        var all = IngestPayload(journaledDerived: templated(lcp: 10))
        all.append(contentsOf: IngestPayload(journaledDerived: beaconMetrics(page: "/t", lcp: 20, at: Self.now)))
        all.append(contentsOf: IngestPayload(journaledDerived: templated(lcp: 30)))
        all.append(contentsOf: IngestPayload(journaledDerived: templated(lcp: 40)))
        // The template's four series once (the hand-built beacon's two are equal to two of them).
        #expect(all.journaledDerived.series.count == 4)
        let lcp = all.journaledDerived.points.filter { $0.series.metric == "rum.lcp" }.map(\.sample.value)
        #expect(lcp == [10, 20, 30, 40])
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: EmbeddedStoreConfiguration(directory: directory, fsyncEachCommit: false))
            _ = try await store.append(all)
            #expect(try await totals(store) == [4, 4])
            // rum.tbt and rum.inp had no values: no series rows for them.
            #expect(store.series(metric: "rum.tbt").isEmpty && store.series(metric: "rum.inp").isEmpty)
            #expect(store.series(metric: "rum.lcp").count == 1)
        }
    }

    func totals(_ store: EmbeddedStore) async throws -> [Double] {
        let viewIDs = store.series(metric: "rum.page_views").map(\.id)
        let samples = try await store.readSamples(seriesIDs: viewIDs, from: 0, to: Self.now + 60_000)
        let lcp = store.series(metric: "rum.lcp").map(\.id)
        let buckets = try await store.readDistributions(seriesIDs: lcp, from: 0, to: Self.now + 60_000, resolution: .tenSeconds, withSketches: false)
        let views = samples.values.joined().reduce(0.0) { $0 + $1.value }
        let values = buckets.values.joined().reduce(UInt64(0)) { $0 + $1.count }
        return [views, Double(values)]
    }

    func journalRows(_ store: EmbeddedStore) throws -> Int { try store.derivedJournalRows() }

    @Test("held beacon metrics are journaled with their commit: a crash loses none, a reopen replays them once")
    func crashAndReplay() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = EmbeddedStoreConfiguration(directory: directory, fsyncEachCommit: false)
            do {
                let store = try EmbeddedStore(configuration: configuration)
                for (index, page) in ["/a", "/b", "/a"].enumerated() {
                    _ = try await store.append(
                        IngestPayload(journaledDerived: beaconMetrics(page: page, lcp: Double(100 * (index + 1)), at: Self.now)), deferDerived: true)
                }
                // Held: not yet in the metric tables, but journaled.
                #expect(try await totals(store) == [0, 0])
                #expect(try journalRows(store) == 3)
                // No flush: the process dies here.
            }
            do {
                let reopened = try EmbeddedStore(configuration: configuration)
                let replayedTotals = try await totals(reopened)
                #expect(replayedTotals == [3, 3])
                #expect(try journalRows(reopened) == 0)
                // Held again, then flushed: the flush empties the journal, so nothing doubles.
                _ = try await reopened.append(IngestPayload(journaledDerived: beaconMetrics(page: "/c", lcp: 50, at: Self.now)), deferDerived: true)
                try await reopened.flushDeferred()
                #expect(try journalRows(reopened) == 0)
                #expect(try await totals(reopened) == [4, 4])
            }
            let again = try EmbeddedStore(configuration: configuration)
            #expect(try await totals(again) == [4, 4])
        }
    }

    @Test("a commit that writes instead of holding (non-deferring) writes beacon metrics and the held ones, and clears their journal rows")
    func writeThrough() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: EmbeddedStoreConfiguration(directory: directory, fsyncEachCommit: false))
            _ = try await store.append(IngestPayload(journaledDerived: beaconMetrics(page: "/a", lcp: 1, at: Self.now)), deferDerived: true)
            _ = try await store.append(IngestPayload(journaledDerived: beaconMetrics(page: "/b", lcp: 2, at: Self.now)))
            #expect(try await totals(store) == [2, 2])
            #expect(try journalRows(store) == 0)
        }
    }
}
