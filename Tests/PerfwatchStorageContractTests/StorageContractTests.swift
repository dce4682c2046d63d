import Foundation
import PerfwatchModel
import PerfwatchSketch
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// The backend contract (issue 18): what every `MetricStore` must do, whatever the engine. Each
/// test runs once per backend of `ContractBackend.all`.
@Suite("Storage backend contract")
struct StorageContractTests {
    /// A fixed "now" on a day boundary plus 12 h, so retention's day partitions fall the same
    /// way in every run.
    static let now: Int64 = 1_764_547_200_000 + 12 * 3_600_000

    static func point(
        _ metric: String, _ kind: MetricKind, _ value: Double, at time: Int64, labels: [String: String] = [:],
        temporality: Temporality = .delta, unit: String = ""
    ) -> MetricPoint {
        MetricPoint(
            series: SeriesKey(metric: metric, labels: Labels(labels)), kind: kind, temporality: temporality, unit: unit,
            sample: Sample(timeMs: time, value: value))
    }

    /// Values whose decimal forms do not round-trip through careless text parsing.
    static let awkwardValues: [Double] = [0.1, 1e-300, 123_456_789.123_456_78, -2.5, 0, 1.7976931348623157e308, 5e-324, 1 / 3]

    @Test("the ClickHouse backend is in the contract's backend list", .enabled(if: ContractBackend.clickHouseURL != nil, ContractBackend.clickHouseSkipReason))
    func clickHouseIsCovered() {
        #expect(ContractBackend.all.map(\.name) == ["EmbeddedStore", "ClickHouseStore"])
    }

    @Test("counter and gauge samples of many series read back exactly, and the catalog knows them", arguments: ContractBackend.all)
    func exactRoundTrip(backend: ContractBackend) async throws {
        try await backend.withStore { store, _ in
            let start = Self.now - 3_600_000
            var expected: [SeriesKey: [Sample]] = [:]
            var random = SeededGenerator(seed: 18)
            for batch in 0..<4 {
                var points: [MetricPoint] = []
                for seriesIndex in 0..<60 {
                    let kind: MetricKind = seriesIndex % 2 == 0 ? .counter : .gauge
                    let metric = kind == .counter ? "requests.total" : "queue.depth"
                    for index in 0..<25 {
                        let time = start + Int64(batch * 25 + index) * 10_000 + Int64(seriesIndex)
                        let value = index < Self.awkwardValues.count && batch == 0
                            ? Self.awkwardValues[index] : random.uniform() * 1e6 - 5e5
                        let point = Self.point(
                            metric, kind, value, at: time, labels: ["host": "h\(seriesIndex)", "region": seriesIndex % 3 == 0 ? "eu,west=1" : "us"],
                            temporality: kind == .counter ? .cumulative : .delta, unit: kind == .counter ? "1" : "items")
                        points.append(point)
                        expected[point.series, default: []].append(point.sample)
                    }
                }
                let outcome = try await store.append(points)
                #expect(outcome.stored == points.count)
                #expect(outcome.kindConflicts.isEmpty)
            }
            try await store.flushDeferred()
            let catalog = store.allSeries()
            #expect(catalog.count == 60)
            #expect(Set(catalog.map(\.key)) == Set(expected.keys))
            let counters = store.series(metric: "requests.total")
            #expect(counters.count == 30)
            #expect(counters.allSatisfy { $0.kind == .counter && $0.temporality == .cumulative && $0.unit == "1" })
            let gauges = store.series(metric: "queue.depth")
            #expect(gauges.allSatisfy { $0.kind == .gauge && $0.temporality == .delta && $0.unit == "items" })
            #expect(gauges.contains { $0.key.labels["region"] == "eu,west=1" })
            let read = try await store.readSamples(seriesIDs: catalog.map(\.id), from: start, to: Self.now)
            for info in catalog {
                let got = read[info.id] ?? []
                let want = expected[info.key] ?? []
                #expect(got.count == want.count, "\(info.key.canonical)")
                #expect(zip(got, want).allSatisfy { $0.timeMs == $1.timeMs && $0.value.bitPattern == $1.value.bitPattern }, "\(info.key.canonical)")
            }
            // Both ends of the range are inclusive; outside it nothing.
            let one = try #require(catalog.first)
            let samples = try #require(expected[one.key])
            let window = try await store.readSamples(seriesIDs: [one.id], from: samples[10].timeMs, to: samples[20].timeMs)
            #expect(window[one.id] == Array(samples[10...20]))
            let empty = try await store.readSamples(seriesIDs: [one.id], from: Self.now + 1, to: Self.now + 10_000)
            #expect(empty[one.id, default: []].isEmpty)
        }
    }

    @Test("late and out-of-order samples and distribution values are kept and read in time order", arguments: ContractBackend.all)
    func lateAndOutOfOrder(backend: ContractBackend) async throws {
        try await backend.withStore { store, _ in
            let start = Self.now - 600_000
            // Newest first, then a late batch that interleaves with them.
            var newest: [MetricPoint] = []
            for index in (100..<200).reversed() {
                newest.append(Self.point("temp", .gauge, Double(index), at: start + Int64(index) * 1000))
            }
            _ = try await store.append(newest)
            var late: [MetricPoint] = []
            for index in 0..<150 where index % 2 == 0 || index < 100 {
                let offset: Int64 = index >= 100 ? 500 : 0
                late.append(Self.point("temp", .gauge, Double(index) + 0.5, at: start + Int64(index) * 1000 + offset))
            }
            _ = try await store.append(late)
            let series = try #require(store.series(metric: "temp").first)
            let samples = try await store.readSamples(seriesIDs: [series.id], from: start, to: Self.now)[series.id] ?? []
            #expect(samples.count == 100 + 125)
            #expect(zip(samples, samples.dropFirst()).allSatisfy { $0.timeMs < $1.timeMs })

            // A distribution value arriving an hour late lands in its own (old) bucket, merged.
            let bucket = Resolution.tenSeconds.bucketStart(start)
            _ = try await store.append([Self.point("latency", .distribution, 10, at: bucket + 1000)])
            _ = try await store.append([Self.point("latency", .distribution, 30, at: Self.now)])
            _ = try await store.append([Self.point("latency", .distribution, 20, at: bucket + 2000)])
            let latency = try #require(store.series(metric: "latency").first)
            let buckets = try await store.readDistributions(
                seriesIDs: [latency.id], from: bucket, to: bucket, resolution: .tenSeconds, withSketches: true)[latency.id] ?? []
            #expect(buckets.count == 1)
            #expect(buckets.first?.count == 2)
            #expect(buckets.first?.sum == 30)
            #expect(buckets.first?.min == 10)
            #expect(buckets.first?.max == 20)
            #expect(buckets.first?.sketch?.count == 2)
        }
    }

    @Test("distributions merged across buckets keep percentiles within 1% at 10 s, 1 m and 1 h", arguments: ContractBackend.all)
    func distributionsAcrossResolutions(backend: ContractBackend) async throws {
        try await backend.withStore { store, _ in
            let start = Self.now - 3 * 3_600_000
            let values = TestDistribution.logNormal.values(count: 6000, seed: 7)
            var raw: [(time: Int64, value: Double)] = []
            for (index, value) in values.enumerated() { raw.append((start + Int64(index) * 1800, value)) }
            // Written in shuffled batches, so buckets are merged from many writes.
            var random = SeededGenerator(seed: 3)
            let shuffled = raw.shuffled(using: &random)
            for chunk in stride(from: 0, to: shuffled.count, by: 500) {
                let points = shuffled[chunk..<min(chunk + 500, shuffled.count)].map {
                    Self.point("http.latency", .distribution, $0.value, at: $0.time, labels: ["route": "/a"], unit: "ms")
                }
                _ = try await store.append(points)
            }
            // A pre-aggregated sketch (an OTLP histogram point) joins the same series.
            var preaggregated = QuantileSketch()
            let extra = TestDistribution.bimodal.values(count: 400, seed: 11)
            for value in extra { preaggregated.add(value) }
            var batch = PointBatch()
            let seriesIndex = batch.seriesIndex(
                .init(key: SeriesKey(metric: "http.latency", labels: Labels(["route": "/a"])), kind: .distribution, temporality: .delta, unit: "ms"))
            let extraTime = start + 3_600_000 + 5_000
            batch.add(series: seriesIndex, timeMs: extraTime, sketch: preaggregated.encoded())
            let outcome = try await store.append(batch)
            // (`stored` counts single values only, in both stores; the sketch shows in the buckets below.)
            #expect(outcome.rejectedSketches == 0 && outcome.kindConflicts.isEmpty)
            raw.append(contentsOf: extra.map { (extraTime, $0) })

            let series = try #require(store.series(metric: "http.latency").first)
            #expect(series.kind == .distribution)
            for resolution in Resolution.allCases {
                let buckets = try await store.readDistributions(
                    seriesIDs: [series.id], from: start - 3_600_000, to: Self.now, resolution: resolution, withSketches: true)[series.id] ?? []
                #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.start < $1.start }, "\(resolution)")
                // Every bucket: exact count, min and max of the raw values in it, percentiles within 1%.
                var grouped: [Int64: [Double]] = [:]
                for item in raw { grouped[resolution.bucketStart(item.time), default: []].append(item.value) }
                #expect(buckets.count == grouped.count, "\(resolution)")
                var merged = QuantileSketch()
                for bucket in buckets {
                    let inside = (grouped[bucket.start] ?? []).sorted()
                    #expect(bucket.count == UInt64(inside.count), "\(resolution) \(bucket.start)")
                    #expect(bucket.min == inside.first && bucket.max == inside.last, "\(resolution) \(bucket.start)")
                    let sketch = try #require(bucket.sketch)
                    Self.expectWithinOnePercent(sketch, inside, "\(resolution) bucket \(bucket.start)")
                    merged.merge(sketch)
                }
                Self.expectWithinOnePercent(merged, raw.map(\.value).sorted(), "\(resolution) merged")
                let rawSum = raw.reduce(0.0) { $0 + $1.value }
                #expect(abs(merged.sum - rawSum) <= 1e-6 * rawSum)
                // Without sketches: the same exact statistics.
                let plain = try await store.readDistributions(
                    seriesIDs: [series.id], from: start - 3_600_000, to: Self.now, resolution: resolution, withSketches: false)[series.id] ?? []
                #expect(plain.map(\.count) == buckets.map(\.count))
                #expect(plain.allSatisfy { $0.sketch == nil })
            }
        }
    }

    static func expectWithinOnePercent(_ sketch: QuantileSketch, _ sorted: [Double], _ context: String) {
        for q in [0.5, 0.9, 0.95, 0.99] {
            let exact = sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
            guard let estimate = sketch.quantile(q) else {
                Issue.record("no quantile \(q) for \(context)")
                continue
            }
            #expect(abs(estimate - exact) <= 0.01 * abs(exact), "p\(Int(q * 100)) of \(context): \(estimate) vs exact \(exact)")
        }
    }

    @Test("a metric keeps its first kind: other kinds are refused, also after reopening", arguments: ContractBackend.all)
    func kindConflicts(backend: ContractBackend) async throws {
        let place = try backend.makePlace()
        defer { Task { await backend.discard(place) } }
        do {
            let store = try await backend.open(place, RetentionPolicy())
            let first = try await store.append([Self.point("jobs", .gauge, 1, at: Self.now, labels: ["q": "a"])])
            #expect(first.kindConflicts.isEmpty)
            let second = try await store.append([
                Self.point("jobs", .counter, 2, at: Self.now, labels: ["q": "b"]),
                Self.point("jobs", .gauge, 3, at: Self.now + 1, labels: ["q": "b"]),
                Self.point("jobs", .distribution, 4, at: Self.now + 2, labels: ["q": "a"]),
            ])
            #expect(second.kindConflicts == [0, 2])
            #expect(second.stored == 1)
            #expect(store.series(metric: "jobs").map(\.kind) == [.gauge, .gauge])
        }
        let reopened = try await backend.open(place, RetentionPolicy())
        #expect(Set(reopened.series(metric: "jobs").map(\.kind)) == [.gauge])
        let again = try await reopened.append([Self.point("jobs", .counter, 5, at: Self.now, labels: ["q": "c"])])
        #expect(again.kindConflicts == [0])
        #expect(reopened.series(metric: "jobs").count == 2)
    }

    @Test("retention removes what is past each resolution's policy and keeps the rest", arguments: ContractBackend.all)
    func retention(backend: ContractBackend) async throws {
        try await backend.withStore { store, _ in
            let old = Self.now - 10 * 86_400_000
            let recent = Self.now - 3_600_000
            // Old and recent samples in series of their own: the embedded store drops whole chunks.
            _ = try await store.append([
                Self.point("cpu", .gauge, 1, at: old, labels: ["host": "gone"]), Self.point("cpu", .gauge, 2, at: recent, labels: ["host": "live"]),
                Self.point("rt", .distribution, 5, at: old), Self.point("rt", .distribution, 7, at: recent),
            ])
            let report = try await store.applyRetention(nowMs: Self.now)
            #expect(report.deletedChunks > 0)
            #expect(report.deletedBuckets > 0)
            let cpuSeries = store.series(metric: "cpu")
            let read = try await store.readSamples(seriesIDs: cpuSeries.map(\.id), from: 0, to: Self.now)
            let gone = try #require(cpuSeries.first { $0.key.labels["host"] == "gone" })
            let cpu = try #require(cpuSeries.first { $0.key.labels["host"] == "live" })
            #expect(read[gone.id, default: []].isEmpty)
            #expect(read[cpu.id] == [Sample(timeMs: recent, value: 2)])
            let rt = try #require(store.series(metric: "rt").first)
            func starts(_ resolution: Resolution) async throws -> [Int64] {
                try await store.readDistributions(seriesIDs: [rt.id], from: 0, to: Self.now, resolution: resolution, withSketches: false)[rt.id]?
                    .map(\.start) ?? []
            }
            // Raw (10 s) buckets are kept 2 days, minutes 30 days, hours 400 days.
            #expect(try await starts(.tenSeconds) == [Resolution.tenSeconds.bucketStart(recent)])
            #expect(try await starts(.oneMinute) == [Resolution.oneMinute.bucketStart(old), Resolution.oneMinute.bucketStart(recent)])
            #expect(try await starts(.oneHour) == [Resolution.oneHour.bucketStart(old), Resolution.oneHour.bucketStart(recent)])
            // Nothing within the policy goes, however often retention runs.
            _ = try await store.applyRetention(nowMs: Self.now)
            #expect(try await store.readSamples(seriesIDs: [cpu.id], from: 0, to: Self.now)[cpu.id]?.count == 1)
        }
    }

    @Test("what append acknowledged is read back whole by a new store instance on the same data", arguments: ContractBackend.all)
    func durability(backend: ContractBackend) async throws {
        let place = try backend.makePlace()
        defer { Task { await backend.discard(place) } }
        let start = Self.now - 1_800_000
        var acknowledged: [MetricPoint] = []
        var catalog: [SeriesInfo] = []
        do {
            let store = try await backend.open(place, RetentionPolicy())
            for batch in 0..<10 {
                let points = (0..<50).flatMap { index -> [MetricPoint] in
                    let time = start + Int64(batch * 50 + index) * 1000
                    return [
                        Self.point("disk.free", .gauge, Double(index) * 1.5, at: time, labels: ["disk": "d\(index % 4)"]),
                        Self.point("api.time", .distribution, Double(index + 1), at: time),
                    ]
                }
                _ = try await store.append(points)
                acknowledged.append(contentsOf: points)
            }
            catalog = store.allSeries()
        }
        let reopened = try await backend.open(place, RetentionPolicy())
        #expect(Set(reopened.allSeries()) == Set(catalog))
        let gauges = reopened.series(metric: "disk.free")
        let samples = try await reopened.readSamples(seriesIDs: gauges.map(\.id), from: start, to: Self.now)
        for info in gauges {
            let want = acknowledged.filter { $0.series == info.key }.map(\.sample)
            #expect(samples[info.id] == want, "\(info.key.canonical)")
        }
        let timing = try #require(reopened.series(metric: "api.time").first)
        for resolution in Resolution.allCases {
            let buckets = try await reopened.readDistributions(
                seriesIDs: [timing.id], from: start - 3_600_000, to: Self.now, resolution: resolution, withSketches: true)[timing.id] ?? []
            #expect(buckets.reduce(0) { $0 + $1.count } == 500, "\(resolution)")
        }
    }
}
