import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage
import PerfwatchTesting
import Testing

@Suite("Query engine")
struct QueryEngineTests {
    static let now = TimeParsing.nowMs() / 60_000 * 60_000

    func point(_ metric: String, _ kind: MetricKind, _ value: Double, at time: Int64, tags: [String: String] = [:], temporality: Temporality = .delta) -> MetricPoint {
        MetricPoint(series: SeriesKey(metric: metric, labels: Labels(tags)), kind: kind, temporality: temporality, unit: "ms", sample: Sample(timeMs: time, value: value))
    }

    func withStore(_ body: (EmbeddedStore, QueryEngine) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            try await body(store, QueryEngine(store: store, configuration: .init(maxSeries: 5)))
        }
    }

    @Test("percentiles by route over any range stay within 1% of exact", arguments: TestDistribution.allCases)
    func percentileAccuracy(distribution: TestDistribution) async throws {
        try await withStore { store, engine in
            let routes = ["/a", "/b", "/c"]
            var exact: [String: [(Int64, Double)]] = [:]
            var points: [MetricPoint] = []
            let values = distribution.values(count: 6000, seed: 11)
            for (index, value) in values.enumerated() {
                let route = routes[index % 3]
                let time = Self.now - 6 * 3_600_000 + Int64(index) * 3_500
                exact[route, default: []].append((time, value))
                points.append(point("lat", .distribution, value, at: time, tags: ["route": route, "method": "GET"]))
            }
            _ = try await store.append(points)
            // Ranges aligned to the buckets they are answered from (10 s, 1 min, 1 h).
            let ranges: [(Int64, Int64)] = [
                (Self.now - 6 * 3_600_000, Self.now), (Self.now - 3_600_000, Self.now - 1_800_000 - 1), (Self.now - 600_000, Self.now),
            ]
            for (from, to) in ranges {
                for stat in [0.5, 0.95, 0.99, 0.999] {
                    let result = try await engine.execute(
                        MetricQuery(metric: "lat", stat: .percentile(stat), from: from, to: to, groupBy: ["route"]), nowMs: Self.now)
                    #expect(result.series.count == 3)
                    for series in result.series {
                        let route = series.tags["route"]!
                        let sorted = exact[route]!.filter { $0.0 >= from && $0.0 <= to }.map(\.1).sorted()
                        guard !sorted.isEmpty else { continue }
                        let estimate = try #require(series.points.first?.value)
                        #expect(relativeError(estimate, exactQuantile(sorted, stat)) <= 0.01, "\(distribution) \(route) p\(stat * 100) [\(result.source)]")
                    }
                }
            }
            // No grouping: all routes pooled.
            let all = try await engine.execute(MetricQuery(metric: "lat", stat: .percentile(0.95), from: Self.now - 6 * 3_600_000, to: Self.now), nowMs: Self.now)
            #expect(all.series.count == 1)
            #expect(relativeError(all.series[0].points[0].value, exactQuantile(values.sorted(), 0.95)) <= 0.01)
        }
    }

    @Test("count, sum, avg, min, max and rate of a distribution are exact")
    func exactStats() async throws {
        try await withStore { store, engine in
            let values = (1...100).map(Double.init)
            _ = try await store.append(values.enumerated().map { point("d", .distribution, $1, at: Self.now - 100_000 + Int64($0) * 1000) })
            func value(_ stat: Stat) async throws -> Double {
                try await engine.execute(MetricQuery(metric: "d", stat: stat, from: Self.now - 100_000, to: Self.now - 1), nowMs: Self.now).series[0].points[0].value
            }
            #expect(try await value(.count) == 100)
            #expect(try await value(.sum) == 5050)
            #expect(try await value(.avg) == 50.5)
            #expect(try await value(.min) == 1)
            #expect(try await value(.max) == 100)
            #expect(abs(try await value(.rate) - 1.0) < 0.01)
        }
    }

    @Test("steps give one point per window, aligned to the step")
    func steps() async throws {
        try await withStore { store, engine in
            let start = Self.now - 10 * 60_000
            _ = try await store.append((0..<600).map { point("d", .distribution, Double($0 / 60 + 1), at: start + Int64($0) * 1000) })
            let result = try await engine.execute(MetricQuery(metric: "d", stat: .max, from: start, to: Self.now - 1, step: 60_000), nowMs: Self.now)
            #expect(result.source == "1m")
            let points = result.series[0].points
            #expect(points.count == 10)
            #expect(points.map(\.value) == (1...10).map(Double.init))
            #expect(points.map(\.time) == (0..<10).map { start + Int64($0) * 60_000 })
        }
    }

    @Test("counters: increments add up, cumulative totals handle resets")
    func counters() async throws {
        try await withStore { store, engine in
            let start = Self.now - 60_000
            _ = try await store.append((0..<6).map { point("inc", .counter, 2, at: start + Int64($0) * 10_000) })
            let cumulative: [Double] = [100, 110, 130, 5, 15, 20]  // a restart after 130
            _ = try await store.append(cumulative.enumerated().map {
                point("total", .counter, $1, at: start + Int64($0) * 10_000, temporality: .cumulative)
            })
            let inc = try await engine.execute(MetricQuery(metric: "inc", stat: .sum, from: start, to: Self.now), nowMs: Self.now)
            #expect(inc.series[0].points[0].value == 12)
            let total = try await engine.execute(MetricQuery(metric: "total", stat: .sum, from: start, to: Self.now), nowMs: Self.now)
            #expect(total.series[0].points[0].value == 10 + 20 + 5 + 10 + 5)
            let rate = try await engine.execute(MetricQuery(metric: "inc", stat: .rate, from: start, to: start + 60_000), nowMs: Self.now)
            #expect(abs(rate.series[0].points[0].value - 0.2) < 1e-9)
        }
    }

    @Test("stored NaN, ±Inf and stale markers are skipped by these statistics, as before they were stored")
    func nonFiniteSkipped() async throws {
        try await withStore { store, engine in
            let start = Self.now - 60_000
            let stale = Double(bitPattern: 0x7ff0_0000_0000_0002)
            let gauge: [Double] = [4, .nan, 8, .infinity, -.infinity, 6, stale]
            _ = try await store.append(gauge.enumerated().map { point("g", .gauge, $1, at: start + Int64($0) * 5_000) })
            let counter: [Double] = [100, .nan, 110, stale, 130, .infinity]
            _ = try await store.append(counter.enumerated().map {
                point("c", .counter, $1, at: start + Int64($0) * 5_000, temporality: .cumulative)
            })
            func value(_ metric: String, _ stat: Stat) async throws -> Double {
                try await engine.execute(MetricQuery(metric: metric, stat: stat, from: start, to: Self.now), nowMs: Self.now).series[0].points[0].value
            }
            #expect(try await value("g", .avg) == 6)
            #expect(try await value("g", .max) == 8)
            #expect(try await value("g", .min) == 4)
            #expect(try await value("g", .count) == 3)
            #expect(try await value("g", .last) == 6)
            #expect(try await value("g", .percentile(0.99)) == 6)  // rank floor(0.99 · 2) of [4, 6, 8]
            #expect(try await value("c", .sum) == 30)
        }
    }

    @Test("gauges: last per group is the mean of each series' latest value; filters apply")
    func gauges() async throws {
        try await withStore { store, engine in
            _ = try await store.append([
                point("cpu", .gauge, 10, at: Self.now - 20_000, tags: ["host": "a"]), point("cpu", .gauge, 30, at: Self.now - 10_000, tags: ["host": "a"]),
                point("cpu", .gauge, 50, at: Self.now - 10_000, tags: ["host": "b"]), point("cpu", .gauge, 90, at: Self.now - 10_000, tags: ["host": "c"]),
            ])
            let last = try await engine.execute(
                MetricQuery(metric: "cpu", stat: .last, from: Self.now - 60_000, to: Self.now, filters: [TagFilter(key: "host", value: "c", negated: true)]), nowMs: Self.now)
            #expect(last.series[0].points[0].value == 40)
            let byHost = try await engine.execute(MetricQuery(metric: "cpu", stat: .max, from: Self.now - 60_000, to: Self.now, groupBy: ["host"], filters: [TagFilter("host=a")!]), nowMs: Self.now)
            #expect(byHost.series.count == 1)
            #expect(byHost.series[0].tags == ["host": "a"])
            #expect(byHost.series[0].points[0].value == 30)
        }
    }

    @Test("errors: from after to, too many series, last on a distribution")
    func errors() async throws {
        try await withStore { store, engine in
            _ = try await store.append((0..<6).map { point("d", .distribution, 1, at: Self.now, tags: ["id": "\($0)"]) })
            await #expect(throws: PerfwatchError.self) {
                try await engine.execute(MetricQuery(metric: "d", stat: .avg, from: Self.now, to: Self.now - 1), nowMs: Self.now)
            }
            do {
                _ = try await engine.execute(MetricQuery(metric: "d", stat: .avg, from: Self.now - 1000, to: Self.now, groupBy: ["id"]), nowMs: Self.now)
                Issue.record("expected the series limit")
            } catch let error as PerfwatchError {
                #expect(error.code == .unprocessable)
                #expect(error.message.contains("6 series"))
            }
            await #expect(throws: PerfwatchError.self) {
                try await engine.execute(MetricQuery(metric: "d", stat: .last, from: Self.now - 1000, to: Self.now), nowMs: Self.now)
            }
            let unknown = try await engine.execute(MetricQuery(metric: "nope", stat: .avg, from: 0, to: Self.now), nowMs: Self.now)
            #expect(unknown.series.isEmpty)
        }
    }

    @Test("stat names parse and print back", arguments: ["count", "sum", "avg", "min", "max", "rate", "last", "p50", "p95", "p99", "p99.9"])
    func statNames(name: String) {
        #expect(Stat(name)?.description == name)
    }

    @Test("bad stat names are refused", arguments: ["p", "p101", "pxx", "median", "p-1", ""])
    func badStats(name: String) {
        #expect(Stat(name) == nil)
    }
}
