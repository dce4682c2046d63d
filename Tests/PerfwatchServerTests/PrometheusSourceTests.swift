import Foundation
import PerfwatchModel
import PerfwatchPromQL
@testable import PerfwatchServer
import PerfwatchSketch
import PerfwatchStorage
import PerfwatchTesting
import Testing

@Suite("The store as PromQL reads it (StorePromSeriesSource)")
struct PrometheusSourceTests {
    /// A 10 s-aligned time a few minutes ago, inside raw retention.
    static let t0 = (TimeParsing.nowMs() - 3_600_000) / 60_000 * 60_000

    func withSource<T: Sendable>(_ body: @Sendable (EmbeddedStore, StorePromSeriesSource) async throws -> T) async throws -> T {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: EmbeddedStoreConfiguration(directory: directory, fsyncEachCommit: false))
            return try await body(store, StorePromSeriesSource(store: store))
        }
    }

    func point(_ metric: String, _ kind: MetricKind, _ temporality: Temporality, unit: String = "", _ labels: [String: String] = [:], at time: Int64, _ value: Double) -> MetricPoint {
        MetricPoint(
            series: SeriesKey(metric: metric, labels: PerfwatchModel.Labels(labels)), kind: kind, temporality: temporality, unit: unit,
            sample: Sample(timeMs: time, value: value))
    }

    func engine(_ source: StorePromSeriesSource) -> PromQLEngine {
        var options = EngineOptions()
        options.sketchGrid = SketchBucketSeries.defaultGrid
        return PromQLEngine(source: source, options: options)
    }

    func matcher(_ name: String, _ value: String, _ type: MatchType = .equal) throws -> LabelMatcher {
        try LabelMatcher(name: name, type: type, value: value)
    }

    @Test("delta counters become running sums under their Prometheus name; the stored name selects them too")
    func deltaCounters() async throws {
        try await withSource { store, source in
            let t0 = Self.t0
            _ = try await store.append([
                point("orders", .counter, .delta, ["shop.region": "eu"], at: t0, 1), point("orders", .counter, .delta, ["shop.region": "eu"], at: t0 + 10_000, 2),
                point("orders", .counter, .delta, ["shop.region": "eu"], at: t0 + 10_000, 4), point("orders", .counter, .delta, ["shop.region": "eu"], at: t0 + 20_000, 3),
            ])
            let series = try await source.select([try matcher("__name__", "orders_total")], fromMs: t0, toMs: t0 + 60_000)
            #expect(series.count == 1)
            #expect(series.first?.labels == PerfwatchPromQL.Labels(["__name__": "orders_total", "shop_region": "eu"]))
            #expect(series.first?.samples.map(\.value) == [1, 7, 10])
            let byStoredName = try await source.select([try matcher("__name__", "orders")], fromMs: t0, toMs: t0 + 60_000)
            #expect(byStoredName.first?.samples == series.first?.samples)
            let none = try await source.select([try matcher("__name__", "orders_total"), try matcher("shop_region", "us")], fromMs: t0, toMs: t0 + 60_000)
            #expect(none.isEmpty)
            // increase over the three samples: 10 − 1 = 9, extrapolated to the range's ends (Prometheus' rule).
            guard case .vector(let increase) = try await engine(source).evaluate("increase(orders_total[20s])", atMs: t0 + 20_000) else {
                Issue.record("not a vector")
                return
            }
            #expect(increase.count == 1)
            #expect(abs((increase.first?.value ?? 0) - 9) < 1e-9)
        }
    }

    @Test("a distribution is x_bucket (the sketch's bins as le, cumulative), x_sum and x_count")
    func distributionSeries() async throws {
        try await withSource { store, source in
            let t0 = Self.t0
            let values = [1.0, 2, 3, 50, 50, 400]
            _ = try await store.append(values.enumerated().map { index, value in
                point("checkout.latency", .distribution, .delta, unit: "ms", ["route": "/pay"], at: t0 + Int64(index / 3) * 10_000, value)
            })
            let window = (t0 - 60_000, t0 + 60_000)
            let count = try await source.select([try matcher("__name__", "checkout_latency_milliseconds_count")], fromMs: window.0, toMs: window.1)
            // A 0 at the first bucket's start, then the running count at each bucket's end.
            #expect(count.first?.samples == [
                PromSample(timestampMs: t0, value: 0), PromSample(timestampMs: t0 + 10_000, value: 3), PromSample(timestampMs: t0 + 20_000, value: 6),
            ])
            let sum = try await source.select([try matcher("__name__", "checkout_latency_milliseconds_sum")], fromMs: window.0, toMs: window.1)
            #expect(sum.first?.samples.last?.value == 506)
            let buckets = try await source.select([try matcher("__name__", "checkout_latency_milliseconds_bucket")], fromMs: window.0, toMs: window.1)
            let grid = SketchBucketSeries.defaultGrid
            let bounds = buckets.compactMap { $0.labels["le"] }
            #expect(bounds.last == "+Inf")
            // Five non-empty bins (1, 2, 3, 50, 400) plus the bound below the lowest, and +Inf.
            #expect(bounds.count == 7)
            for le in bounds.dropLast() {
                #expect(grid.gridExponent(of: Double(le)!) != nil, "\(le) is not on the sketch grid")
            }
            let finals = buckets.map { $0.samples.last!.value }
            #expect(finals == [0, 1, 2, 3, 5, 6, 6])
            #expect(Set(buckets.map { $0.samples.map(\.timestampMs) }).count == 1, "every bound has samples at the same times")
            // An le matcher selects bounds.
            let onlyInf = try await source.select(
                [try matcher("__name__", "checkout_latency_milliseconds_bucket"), try matcher("le", "+Inf")], fromMs: window.0, toMs: window.1)
            #expect(onlyInf.count == 1 && onlyInf.first?.samples.last?.value == 6)
            // The unsuffixed name the issue's example query uses selects the same series.
            let short = try await source.select([try matcher("__name__", "checkout_latency_bucket")], fromMs: window.0, toMs: window.1)
            #expect(short.count == buckets.count)
        }
    }

    @Test("histogram_quantile over the exposed sketch buckets is within 1% of the sketch's own quantile (skewed data, two series)")
    func quantileWithinOnePercent() async throws {
        try await withSource { store, source in
            let t0 = Self.t0
            var generator = SeededGenerator(seed: 19)
            var sketch = QuantileSketch()
            var points: [MetricPoint] = []
            for index in 0..<20_000 {
                // Log-normal with a heavy tail: most values near 20 ms, a few in the seconds.
                let value = 20 * exp(1.3 * generator.normal())
                sketch.add(value)
                let route = index % 3 == 0 ? "/a" : "/b"
                points.append(point("http.server.duration", .distribution, .delta, unit: "ms", ["route": route], at: t0 + Int64(index % 300) * 1_000, value))
            }
            _ = try await store.append(points)
            let engine = engine(source)
            let at = t0 + 600_000
            for phi in [0.5, 0.75, 0.9, 0.95, 0.99, 0.999] {
                let query = "histogram_quantile(\(phi), sum by (le) (increase(http_server_duration_bucket[20m])))"
                guard case .vector(let result) = try await engine.evaluate(query, atMs: at), let value = result.first?.value else {
                    Issue.record("no answer for \(query)")
                    continue
                }
                let expected = sketch.quantile(phi)!
                #expect(abs(value - expected) / expected <= 0.01, "φ=\(phi): \(value) vs the sketch's \(expected)")
            }
            // Per route too (the grouping the issue's dashboards use).
            guard case .vector(let perRoute) = try await engine.evaluate(
                "histogram_quantile(0.95, sum by (le, route) (rate(http_server_duration_milliseconds_bucket[20m])))", atMs: at)
            else { return }
            #expect(Set(perRoute.map { $0.labels["route"] }) == ["/a", "/b"])
            #expect(perRoute.allSatisfy { $0.value > 20 && $0.value < 2000 })
        }
    }

    @Test("classic histograms from Prometheus text keep their names and linear interpolation")
    func classicHistogram() async throws {
        try await withSource { store, source in
            let t0 = Self.t0
            var points: [MetricPoint] = []
            for (le, counts) in [("0.1", [0.0, 10]), ("0.5", [0.0, 30]), ("1", [0.0, 90]), ("+Inf", [0.0, 100])] {
                for (step, count) in counts.enumerated() {
                    points.append(point("rpc_duration_seconds_bucket", .counter, .cumulative, ["le": le], at: t0 + Int64(step) * 60_000, count))
                }
            }
            _ = try await store.append(points)
            guard case .vector(let result) = try await engine(source).evaluate(
                "histogram_quantile(0.5, increase(rpc_duration_seconds_bucket[1m]))", atMs: t0 + 60_000)
            else { return }
            // rank 50 in (0.5, 1]: 0.5 + 0.5 * 20/60, exactly Prometheus' answer.
            #expect(abs((result.first?.value ?? 0) - (0.5 + 0.5 * 20.0 / 60.0)) < 1e-9)
        }
    }

    @Test("the catalog lists exposed label sets and metadata per Prometheus name")
    func catalog() async throws {
        try await withSource { store, source in
            let t0 = Self.t0
            _ = try await store.append([
                point("checkout.latency", .distribution, .delta, unit: "ms", ["route": "/pay"], at: t0, 5),
                point("queue_depth", .gauge, .cumulative, ["queue": "mail"], at: t0, 3),
            ])
            let all = try await source.labelSets(matching: [], fromMs: 0, toMs: .max)
            #expect(Set(all.compactMap(\.metricName)) == [
                "checkout_latency_milliseconds_bucket", "checkout_latency_milliseconds_sum", "checkout_latency_milliseconds_count", "queue_depth",
            ])
            let queues = try await source.labelSets(matching: [[try matcher("queue", "mail")]], fromMs: 0, toMs: .max)
            #expect(queues.map(\.metricName) == ["queue_depth"])
            let metadata = try await source.metadata()
            #expect(metadata["checkout_latency_milliseconds"] == PromMetricMetadata(type: "histogram", unit: "ms"))
            #expect(metadata["queue_depth"]?.type == "gauge")
        }
    }
}
