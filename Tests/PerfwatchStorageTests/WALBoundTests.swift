import Foundation
import PerfwatchModel
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// Issue 15 #19: the WAL grew to 5.1 MB next to a 2.0 MB database and never shrank while the
/// server ran. A checkpoint truncates it, and SQLite cuts it back to the bound after its own.
@Suite("WAL bound")
struct WALBoundTests {
    func batch(_ index: Int, start: Int64) -> [MetricPoint] {
        (0..<2_000).map { offset in
            let series = offset % 200
            return MetricPoint(
                series: SeriesKey(metric: "wal.test", labels: Labels(["series": "s\(series)"])), kind: .gauge, temporality: .delta,
                unit: "", sample: Sample(timeMs: start + Int64(index * 10 + offset / 200) * 10_000, value: Double((index * 7 + offset) % 101)))
        }
    }

    @Test("after many batches and a checkpoint the -wal file is at most the bound; more batches keep it near it")
    func checkpointTruncates() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let start = TimeParsing.nowMs() - 86_400_000
            var largest: Int64 = 0
            for index in 0..<300 {
                _ = try await store.append(batch(index, start: start))
                largest = max(largest, store.walBytes)
            }
            // The appends wrote well past the bound in all: the limit applies when the WAL restarts.
            #expect(largest > 0)
            #expect(try await store.checkpointWAL())
            #expect(store.walBytes <= EmbeddedStore.walSizeLimitBytes)
            #expect(store.walBytes == 0)
            // The data is all there after the truncation (the checkpoint copied it into the database).
            let series = store.series(metric: "wal.test")
            #expect(series.count == 200)
            let samples = try await store.readSamples(seriesIDs: series.map(\.id), from: start, to: TimeParsing.nowMs())
            #expect(samples.values.reduce(0) { $0 + $1.count } == 300 * 2_000)
            // Writing again restarts the WAL from the beginning: it grows from zero, not from its old size.
            _ = try await store.append(batch(300, start: start))
            #expect(store.walBytes > 0 && store.walBytes <= EmbeddedStore.walSizeLimitBytes)
        }
    }

    @Test("a store with an empty WAL checkpoints at no cost")
    func emptyWAL() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            _ = try await store.checkpointWAL()
            #expect(try await store.checkpointWAL())
            #expect(store.walBytes == 0)
        }
    }
}
