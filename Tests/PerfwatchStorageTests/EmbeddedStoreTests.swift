import PerfwatchModel
import PerfwatchSketch
import PerfwatchStorage
import PerfwatchTesting
import Testing

@Suite("Embedded store")
struct EmbeddedStoreTests {
    static let now = TimeParsing.nowMs()

    func point(_ metric: String, _ kind: MetricKind, _ value: Double, at time: Int64, tags: [String: String] = [:]) -> MetricPoint {
        MetricPoint(series: SeriesKey(metric: metric, labels: Labels(tags)), kind: kind, temporality: .delta, unit: "ms", sample: Sample(timeMs: time, value: value))
    }

    @Test("samples and distributions survive closing and reopening the store")
    func persistence() async throws {
        try await withTemporaryDirectory { directory in
            let start = Self.now - 3_600_000
            do {
                let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
                for batch in 0..<5 {
                    var points: [MetricPoint] = []
                    for index in 0..<200 {
                        let time = start + Int64(batch * 200 + index) * 1000
                        points.append(point("queue.depth", .gauge, Double(index % 17), at: time, tags: ["host": "a"]))
                        points.append(point("api.latency", .distribution, Double(index + 1), at: time, tags: ["route": "/r\(index % 3)"]))
                    }
                    _ = try await store.append(points)
                }
            }
            let reopened = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let gauge = reopened.series(metric: "queue.depth")
            #expect(gauge.count == 1)
            let samples = try await reopened.readSamples(seriesIDs: gauge.map(\.id), from: start, to: Self.now)
            #expect(samples[gauge[0].id]?.count == 1000)
            #expect(samples[gauge[0].id]?.first?.timeMs == start)
            let latency = reopened.series(metric: "api.latency")
            #expect(latency.count == 3)
            for resolution in Resolution.allCases {
                let buckets = try await reopened.readDistributions(
                    seriesIDs: latency.map(\.id), from: start - 3_600_000, to: Self.now, resolution: resolution, withSketches: true)
                let total = buckets.values.flatMap { $0 }.reduce(UInt64(0)) { $0 + $1.count }
                #expect(total == 1000, "resolution \(resolution)")
            }
        }
    }

    @Test("a second store cannot open a locked data directory")
    func lock() async throws {
        try await withTemporaryDirectory { directory in
            let first = try EmbeddedStore(configuration: .init(directory: directory))
            #expect(throws: PerfwatchError.self) { _ = try EmbeddedStore(configuration: .init(directory: directory)) }
            _ = first
        }
    }

    @Test("a metric keeps its first kind; conflicting points are reported")
    func kindConflict() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let outcome = try await store.append([
                point("m", .counter, 1, at: Self.now), point("m", .gauge, 1, at: Self.now), point("m", .counter, 2, at: Self.now, tags: ["a": "b"]),
            ])
            #expect(outcome.kindConflicts == [1])
            #expect(outcome.stored == 2)
        }
    }

    @Test("out-of-order samples across batches are read back in time order")
    func outOfOrder() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            _ = try await store.append((10..<20).map { point("g", .gauge, Double($0), at: Self.now - Int64(100 - $0) * 1000) })
            _ = try await store.append((0..<10).map { point("g", .gauge, Double($0), at: Self.now - Int64(100 - $0) * 1000) })
            let id = store.series(metric: "g")[0].id
            let samples = try await store.readSamples(seriesIDs: [id], from: 0, to: Self.now)[id]!
            #expect(samples.map(\.value) == (0..<20).map(Double.init))
        }
    }

    @Test("retention removes data older than each resolution keeps")
    func retention() async throws {
        try await withTemporaryDirectory { directory in
            var policy = RetentionPolicy()
            policy.rawMs = 3_600_000
            let store = try EmbeddedStore(configuration: .init(directory: directory, retention: policy, fsyncEachCommit: false))
            _ = try await store.append([
                point("g", .gauge, 1, at: Self.now - 2 * 3_600_000), point("d", .distribution, 5, at: Self.now - 2 * 3_600_000),
                point("d", .distribution, 6, at: Self.now),
            ])
            let report = try await store.applyRetention(nowMs: Self.now)
            #expect(report.deletedChunks == 1)
            #expect(report.deletedBuckets == 1)  // the old 10 s bucket; 1 m and 1 h keep it
            let id = store.series(metric: "d")[0].id
            let minute = try await store.readDistributions(seriesIDs: [id], from: 0, to: Self.now, resolution: .oneMinute, withSketches: false)
            #expect(minute[id]?.reduce(0) { $0 + $1.count } == 2)
        }
    }

    @Test("merges into the same bucket across commits add up (cached buckets), also after a reopen and after retention")
    func repeatedMerges() async throws {
        try await withTemporaryDirectory { directory in
            var policy = RetentionPolicy()
            policy.rawMs = 3_600_000
            let old = Self.now - 2 * 3_600_000
            let configuration = EmbeddedStoreConfiguration(directory: directory, retention: policy, fsyncEachCommit: false)
            func total(_ store: EmbeddedStore, _ resolution: Resolution) async throws -> UInt64 {
                let id = store.series(metric: "d")[0].id
                let buckets = try await store.readDistributions(seriesIDs: [id], from: 0, to: Self.now, resolution: resolution, withSketches: true)
                return buckets[id]?.reduce(0) { $0 + $1.count } ?? 0
            }
            do {
                let store = try EmbeddedStore(configuration: configuration)
                for round in 0..<5 {
                    _ = try await store.append([
                        point("d", .distribution, Double(round + 1), at: Self.now), point("d", .distribution, 7, at: old),
                    ])
                }
                for resolution in Resolution.allCases { #expect(try await total(store, resolution) == 10, "resolution \(resolution)") }
                // Rows merged in place keep their statistics columns in step with the sketch.
                let id = store.series(metric: "d")[0].id
                for resolution in Resolution.allCases {
                    let rows = try await store.readDistributions(seriesIDs: [id], from: 0, to: Self.now, resolution: resolution, withSketches: true)[id] ?? []
                    #expect(rows.reduce(0) { $0 + $1.sum } == 50, "resolution \(resolution)")
                    #expect(rows.map(\.max).max() == 7 && rows.map(\.min).min() == 1, "resolution \(resolution)")
                    #expect(rows.allSatisfy { $0.sketch?.count == $0.count }, "resolution \(resolution)")
                }
                // Retention drops the old 10 s bucket (5 values); a late value for it must not
                // bring the deleted ones back from memory.
                _ = try await store.applyRetention(nowMs: Self.now)
                #expect(try await total(store, .tenSeconds) == 5)
                _ = try await store.append([point("d", .distribution, 8, at: old)])
                #expect(try await total(store, .tenSeconds) == 6)
            }
            let reopened = try EmbeddedStore(configuration: configuration)
            _ = try await reopened.append([point("d", .distribution, 9, at: Self.now)])
            #expect(try await total(reopened, .tenSeconds) == 7)
            #expect(try await total(reopened, .oneHour) == 12)
        }
    }
}

@Suite("Embedded store chunks")
struct EmbeddedStoreChunkTests {
    static let now = TimeParsing.nowMs()

    func gauge(_ value: Double, at time: Int64) -> MetricPoint {
        MetricPoint(series: SeriesKey(metric: "g", labels: Labels()), kind: .gauge, temporality: .cumulative, sample: Sample(timeMs: time, value: value))
    }

    @Test("late samples inside the open chunk, older ones, and a reopen all read back in order")
    func lateAndReopened() async throws {
        try await withTemporaryDirectory { directory in
            let base = Self.now - 3_600_000
            do {
                let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false, maxSamplesPerChunk: 50))
                _ = try await store.append((100..<200).map { gauge(Double($0), at: base + Int64($0) * 1000) })  // seals 50, keeps 50 open
                _ = try await store.append((150..<160).map { gauge(Double($0) + 0.5, at: base + Int64($0) * 1000 + 500) })  // late, inside open
                _ = try await store.append((0..<10).map { gauge(Double($0), at: base + Int64($0) * 1000) })  // older than everything
            }
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false, maxSamplesPerChunk: 50))
            _ = try await store.append([gauge(999, at: base + 300_000)])  // continues the reloaded open chunk
            let id = store.series(metric: "g")[0].id
            let samples = try await store.readSamples(seriesIDs: [id], from: 0, to: Self.now)[id]!
            #expect(samples.count == 121)
            #expect(samples == samples.sorted { $0.timeMs < $1.timeMs })
            #expect(samples.last?.value == 999)
            #expect(samples.contains(Sample(timeMs: base + 155_500, value: 155.5)))
        }
    }

    @Test("NaN payloads (the stale marker) and ±Inf come back bit-exact from open and sealed chunks, after a reopen")
    func nonFiniteValues() async throws {
        let stale = Double(bitPattern: 0x7ff0_0000_0000_0002)
        let specials: [Double] = [stale, .nan, .infinity, -.infinity, Double(bitPattern: 0x7ff8_0000_0000_00ab)]
        // 1, 2, then a special value every third sample: open chunks switch from the integer path to XOR.
        func value(_ index: Int) -> Double { index % 3 == 2 ? specials[index / 3 % specials.count] : Double(index) }
        try await withTemporaryDirectory { directory in
            let base = Self.now - 3_600_000
            let configuration = EmbeddedStoreConfiguration(directory: directory, fsyncEachCommit: false, maxSamplesPerChunk: 50)
            do {
                let store = try EmbeddedStore(configuration: configuration)
                for start in stride(from: 0, to: 120, by: 7) {  // several commits; seals two chunks
                    _ = try await store.append((start..<min(start + 7, 120)).map { gauge(value($0), at: base + Int64($0) * 1000) })
                }
                let id = store.series(metric: "g")[0].id
                let samples = try await store.readSamples(seriesIDs: [id], from: 0, to: Self.now)[id]!
                #expect(samples.map(\.value.bitPattern) == (0..<120).map { value($0).bitPattern })
            }
            let reopened = try EmbeddedStore(configuration: configuration)
            let id = reopened.series(metric: "g")[0].id
            let samples = try await reopened.readSamples(seriesIDs: [id], from: 0, to: Self.now)[id]!
            #expect(samples.map(\.timeMs) == (0..<120).map { base + Int64($0) * 1000 })
            #expect(samples.map(\.value.bitPattern) == (0..<120).map { value($0).bitPattern })
            #expect(samples[2].value.bitPattern == 0x7ff0_0000_0000_0002)
        }
    }
}
