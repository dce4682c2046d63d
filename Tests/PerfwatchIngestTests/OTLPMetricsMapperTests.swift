import Foundation
import PerfwatchIngest
import PerfwatchModel
import PerfwatchOTLP
import PerfwatchSketch
import SwiftProtobuf
import Testing

@Suite("OTLP metrics mapping")
struct OTLPMetricsMapperTests {
    static let nowMs: Int64 = 1_795_000_000_000
    static let timeNs = UInt64(nowMs - 1000) * 1_000_000

    func request(_ metrics: [Opentelemetry_Proto_Metrics_V1_Metric]) -> [UInt8] {
        var request = Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest()
        var resource = Opentelemetry_Proto_Metrics_V1_ResourceMetrics()
        var name = Opentelemetry_Proto_Common_V1_KeyValue()
        name.key = "service.name"
        name.value.stringValue = "api"
        resource.resource.attributes = [name]
        var scope = Opentelemetry_Proto_Metrics_V1_ScopeMetrics()
        scope.metrics = metrics
        resource.scopeMetrics = [scope]
        request.resourceMetrics = [resource]
        return try! request.serializedBytes()
    }

    func histogram(counts: [UInt64], sum: Double, temporality: Opentelemetry_Proto_Metrics_V1_AggregationTemporality) -> Opentelemetry_Proto_Metrics_V1_Metric {
        var metric = Opentelemetry_Proto_Metrics_V1_Metric()
        metric.name = "http.server.request.duration"
        metric.unit = "ms"
        var point = Opentelemetry_Proto_Metrics_V1_HistogramDataPoint()
        point.startTimeUnixNano = 1
        point.timeUnixNano = Self.timeNs
        point.explicitBounds = [10, 100, 1000]
        point.bucketCounts = counts
        point.count = counts.reduce(0, +)
        point.sum = sum
        var histogram = Opentelemetry_Proto_Metrics_V1_Histogram()
        histogram.aggregationTemporality = temporality
        histogram.dataPoints = [point]
        metric.histogram = histogram
        return metric
    }

    @Test("gauges, monotonic and non-monotonic sums map to gauge/counter with temporality")
    func numbers() throws {
        func numberPoint(_ value: Double) -> Opentelemetry_Proto_Metrics_V1_NumberDataPoint {
            var point = Opentelemetry_Proto_Metrics_V1_NumberDataPoint()
            point.timeUnixNano = Self.timeNs
            point.asDouble = value
            return point
        }
        var gauge = Opentelemetry_Proto_Metrics_V1_Metric()
        gauge.name = "queue.depth"
        gauge.gauge.dataPoints = [numberPoint(7)]
        var counter = Opentelemetry_Proto_Metrics_V1_Metric()
        counter.name = "requests"
        counter.sum.isMonotonic = true
        counter.sum.aggregationTemporality = .cumulative
        var counterPoint = numberPoint(120)
        counterPoint.startTimeUnixNano = Self.timeNs - 30_000_000_000
        counter.sum.dataPoints = [counterPoint]
        var upDown = Opentelemetry_Proto_Metrics_V1_Metric()
        upDown.name = "connections"
        upDown.sum.aggregationTemporality = .delta
        upDown.sum.dataPoints = [numberPoint(-3)]
        var bad = Opentelemetry_Proto_Metrics_V1_Metric()
        bad.name = "broken"
        bad.gauge.dataPoints = [numberPoint(.nan)]
        let result = try OTLPMetricsMapper().decode(request([gauge, counter, upDown, bad]), json: false, nowMs: Self.nowMs)
        let points = result.points.points
        // The cumulative counter gets a zero at its start time, then its total.
        #expect(points.map(\.series.metric) == ["queue.depth", "requests", "requests", "connections"])
        #expect(points.map(\.kind) == [.gauge, .counter, .counter, .gauge])
        #expect(points[1].sample == Sample(timeMs: Self.nowMs - 31_000, value: 0))
        #expect(points[2].temporality == .cumulative)
        #expect(points[0].series.labels["service"] == "api")
        #expect(points[0].sample == Sample(timeMs: Self.nowMs - 1000, value: 7))
        #expect(result.rejected == 1)
    }

    @Test("histograms keep exact count and sum; cumulative exports become deltas")
    func histograms() throws {
        let mapper = OTLPMetricsMapper()
        let first = try mapper.decode(request([histogram(counts: [2, 3, 1, 0], sum: 600, temporality: .cumulative)]), json: false, nowMs: Self.nowMs)
        let sketch = try QuantileSketch(encoded: try #require(first.points.sketchEntries.first?.sketch))
        #expect(sketch.count == 6)
        #expect(sketch.sum == 600)
        #expect(abs(sketch.quantile(0.5)! - 55) / 55 <= 0.01)  // the (10, 100] bucket's midpoint
        let second = try mapper.decode(request([histogram(counts: [2, 5, 1, 1], sum: 2900, temporality: .cumulative)]), json: false, nowMs: Self.nowMs)
        let delta = try QuantileSketch(encoded: try #require(second.points.sketchEntries.first?.sketch))
        #expect(delta.count == 3)
        #expect(delta.sum == 2300)
        let unchanged = try mapper.decode(request([histogram(counts: [2, 5, 1, 1], sum: 2900, temporality: .cumulative)]), json: false, nowMs: Self.nowMs)
        #expect(unchanged.points.sketchEntries.isEmpty)
    }

    @Test("exponential histograms map buckets to their geometric midpoints; summaries to gauges")
    func exponentialAndSummary() throws {
        var exponential = Opentelemetry_Proto_Metrics_V1_Metric()
        exponential.name = "latency"
        var point = Opentelemetry_Proto_Metrics_V1_ExponentialHistogramDataPoint()
        point.timeUnixNano = Self.timeNs
        point.scale = 0  // base 2: bucket k is (2^k, 2^(k+1)]
        point.positive.offset = 3
        point.positive.bucketCounts = [4]  // (8, 16]
        point.zeroCount = 1
        point.count = 5
        point.sum = 50
        exponential.exponentialHistogram.aggregationTemporality = .delta
        exponential.exponentialHistogram.dataPoints = [point]
        var summary = Opentelemetry_Proto_Metrics_V1_Metric()
        summary.name = "rpc"
        var summaryPoint = Opentelemetry_Proto_Metrics_V1_SummaryDataPoint()
        summaryPoint.timeUnixNano = Self.timeNs
        summaryPoint.count = 10
        summaryPoint.sum = 4.5
        var quantile = Opentelemetry_Proto_Metrics_V1_SummaryDataPoint.ValueAtQuantile()
        quantile.quantile = 0.99
        quantile.value = 0.8
        summaryPoint.quantileValues = [quantile]
        summary.summary.dataPoints = [summaryPoint]
        let result = try OTLPMetricsMapper().decode(request([exponential, summary]), json: false, nowMs: Self.nowMs)
        let sketch = try QuantileSketch(encoded: try #require(result.points.sketchEntries.first?.sketch))
        #expect(sketch.count == 5)
        #expect(sketch.quantile(0) == 0)
        #expect(abs(sketch.quantile(1)! - 8 * 2.squareRoot()) / (8 * 2.squareRoot()) <= 0.01)
        let points = result.points.points
        #expect(points.map(\.series.metric) == ["rpc", "rpc.count", "rpc.sum"])
        #expect(points[0].series.labels["quantile"] == "0.99")
        #expect(points[1].kind == .counter)
    }

    @Test("JSON exports decode too; garbage is a bad request")
    func json() throws {
        let body = #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"jobs","sum":{"isMonotonic":true,"aggregationTemporality":1,"dataPoints":[{"timeUnixNano":"\#(Self.timeNs)","asInt":"3"}]},"unknownThing":1}]}]}]}"#
        let result = try OTLPMetricsMapper().decode(Array(body.utf8), json: true, nowMs: Self.nowMs)
        #expect(result.points.points.first?.sample.value == 3)
        #expect(result.points.points.first?.temporality == .delta)
        #expect(throws: PerfwatchError.self) { try OTLPMetricsMapper().decode([1, 2, 3], json: false, nowMs: Self.nowMs) }
    }

    @Test("a histogram count or bucket counts at or beyond 2^63 reject that data point alone, saying why")
    func hugeCounts() throws {
        let limit = UInt64(Int64.max)
        var huge = histogram(counts: [1, 2, 3, 4], sum: 10, temporality: .delta)
        huge.histogram.dataPoints[0].count = limit + 1
        var hugeBucket = histogram(counts: [1, 0, 0, 0], sum: 10, temporality: .delta)
        hugeBucket.name = "bucket.huge"
        hugeBucket.histogram.dataPoints[0].bucketCounts = [limit + 1, 0, 0, 0]
        var overflowing = histogram(counts: [1, 0, 0, 0], sum: 10, temporality: .delta)
        overflowing.name = "bucket.sum.overflows"
        overflowing.histogram.dataPoints[0].bucketCounts = [limit, limit, 2, 0]
        var exponential = Opentelemetry_Proto_Metrics_V1_Metric()
        exponential.name = "exp.huge"
        var point = Opentelemetry_Proto_Metrics_V1_ExponentialHistogramDataPoint()
        point.timeUnixNano = Self.timeNs
        point.count = 3
        point.positive.bucketCounts = [UInt64.max]
        point.zeroCount = 1
        exponential.exponentialHistogram.dataPoints = [point]
        let fine = histogram(counts: [1, 0, 0, 0], sum: 5, temporality: .delta)
        let result = try OTLPMetricsMapper().decode(request([huge, hugeBucket, overflowing, exponential, fine]), json: false, nowMs: Self.nowMs)
        #expect(result.rejected == 4)
        #expect(result.errorMessage.contains("histogram count 9223372036854775808 is more than 9223372036854775807"))
        #expect(result.errorMessage.contains("bucket counts add up to more than"))
        #expect(result.points.series.count == 1)
        #expect(result.points.series.first?.key.metric == "http.server.request.duration")
    }
}
