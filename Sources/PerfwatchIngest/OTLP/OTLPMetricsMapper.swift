import Foundation
public import PerfwatchModel
import PerfwatchOTLP
import PerfwatchSketch
import SwiftProtobuf
import Synchronization

/// Maps OTLP metrics onto our kinds (docs/otlp-metrics.md):
/// - monotonic Sum → counter (delta: increments; cumulative: running totals, resets detected
///   at query time); non-monotonic Sum and Gauge → gauge;
/// - Histogram and ExponentialHistogram → distribution: each bucket's count is added to a
///   quantile sketch at the bucket's midpoint (arithmetic for explicit bounds, geometric for
///   exponential buckets), and the producer's exact count, sum, min and max are kept;
/// - Summary → its quantiles as gauges tagged `quantile`, count and sum as cumulative counters.
/// Cumulative histograms are turned into deltas against the previous point of the same series
/// and start time, so repeated exports are not double counted.
public final class OTLPMetricsMapper: Sendable {
    public struct Result: Sendable {
        public var points = PointBatch()
        public var rejections = OTLPRejections()

        mutating func reject(_ reason: String) { rejections.add(reason) }

        public var rejected: Int { rejections.count }
        public var errorMessage: String { rejections.message(items: "data points") }
    }

    public let limits: ValidationLimits
    /// Previous cumulative bucket counts by series + start time.
    private let previous = Mutex<[String: (start: UInt64, counts: [Int: UInt64], count: UInt64, sum: Double)]>([:])
    /// Cumulative counter series (with their start time) already given a zero at their start.
    private let startedCounters = Mutex<Set<String>>([])

    public init(limits: ValidationLimits = ValidationLimits()) { self.limits = limits }

    public func decode(_ body: [UInt8], json: Bool, nowMs: Int64) throws -> Result {
        let request: Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest
        do {
            if json {
                var options = JSONDecodingOptions()
                options.ignoreUnknownFields = true
                request = try Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest(jsonUTF8Bytes: body, options: options)
            } else {
                request = try Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest(serializedBytes: body)
            }
        } catch {
            throw PerfwatchError(.badRequest, "body is not a valid OTLP ExportMetricsServiceRequest (\(json ? "JSON" : "protobuf")): \(error)")
        }
        do {
            return try map(request, nowMs: nowMs)
        } catch {
            throw PerfwatchError(.badRequest, "OTLP metrics body: \(error.reason)")
        }
    }

    func map(_ request: Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest, nowMs: Int64) throws(OTLPAttributeText.TooDeep) -> Result {
        var result = Result()
        for resourceMetrics in request.resourceMetrics {
            let resource = try OTLPProtobufAttributes.attributes(resourceMetrics.resource.attributes)
            var resourceTags: [String: String] = [:]
            resourceTags["service"] = resource["service.name"]
            resourceTags["version"] = resource["service.version"]
            resourceTags["environment"] = resource["deployment.environment.name"] ?? resource["deployment.environment"]
            for scopeMetrics in resourceMetrics.scopeMetrics {
                for metric in scopeMetrics.metrics {
                    try map(metric, resourceTags: resourceTags, nowMs: nowMs, into: &result)
                }
            }
        }
        return result
    }

    private func map(
        _ metric: Opentelemetry_Proto_Metrics_V1_Metric, resourceTags: [String: String], nowMs: Int64, into result: inout Result
    ) throws(OTLPAttributeText.TooDeep) {
        func tags(_ attributes: [Opentelemetry_Proto_Common_V1_KeyValue]) throws(OTLPAttributeText.TooDeep) -> [String: String] {
            resourceTags.merging(try OTLPProtobufAttributes.attributes(attributes)) { _, point in point }
        }
        func time(_ nanos: UInt64) -> Int64 { nanos == 0 ? nowMs : Int64(clamping: nanos / 1_000_000) }
        func series(_ name: String, _ tags: [String: String], _ kind: MetricKind, _ temporality: Temporality, value: Double, timeMs: Int64) -> Int32? {
            if let (_, message) = limits.check(name: name, tags: tags, value: value, timeMs: timeMs, nowMs: nowMs) {
                result.reject("\(name.prefix(64)): \(message)")
                return nil
            }
            return result.points.seriesIndex(
                PointBatch.Series(key: SeriesKey(metric: name, labels: Labels(tags)), kind: kind, temporality: temporality, unit: metric.unit))
        }
        func number(_ point: Opentelemetry_Proto_Metrics_V1_NumberDataPoint) -> Double {
            switch point.value {
            case .asDouble(let value): value
            case .asInt(let value): Double(value)
            case nil: .nan
            }
        }
        switch metric.data {
        case .gauge(let gauge):
            for point in gauge.dataPoints {
                let value = number(point)
                let timeMs = time(point.timeUnixNano)
                if let index = series(metric.name, try tags(point.attributes), .gauge, .cumulative, value: value, timeMs: timeMs) {
                    result.points.add(series: index, sample: Sample(timeMs: timeMs, value: value))
                }
            }
        case .sum(let sum):
            let kind: MetricKind = sum.isMonotonic ? .counter : .gauge
            let temporality: Temporality = sum.aggregationTemporality == .delta ? .delta : .cumulative
            for point in sum.dataPoints {
                let value = number(point)
                let timeMs = time(point.timeUnixNano)
                let pointTags = try tags(point.attributes)
                guard let index = series(metric.name, pointTags, kind, temporality, value: value, timeMs: timeMs) else { continue }
                // A cumulative counter's start time says it was 0 then. Recording that zero (once
                // per series and start) lets a short-lived process's first export count in full;
                // for long-running ones the zero lies before any query window and changes nothing.
                let startMs = Int64(clamping: point.startTimeUnixNano / 1_000_000)
                if kind == .counter, temporality == .cumulative, point.startTimeUnixNano > 0, startMs < timeMs,
                    startMs >= nowMs - limits.maxAgeMs
                {
                    let key = "\(result.points.series[Int(index)].key.canonical)@\(point.startTimeUnixNano)"
                    if startedCounters.withLock({ $0.insert(key).inserted }) {
                        result.points.add(series: index, sample: Sample(timeMs: startMs, value: 0))
                    }
                }
                result.points.add(series: index, sample: Sample(timeMs: timeMs, value: value))
            }
        case .histogram(let histogram):
            for point in histogram.dataPoints {
                let timeMs = time(point.timeUnixNano)
                if let problem = Self.countProblem(count: point.count, buckets: point.bucketCounts) {
                    result.reject("\(metric.name.prefix(64)): \(problem)")
                    continue
                }
                guard let index = series(metric.name, try tags(point.attributes), .distribution, .delta, value: point.sum, timeMs: timeMs) else { continue }
                var counts: [Int: UInt64] = [:]
                for (bucket, count) in point.bucketCounts.enumerated() where count > 0 { counts[bucket] = count }
                let bounds = point.explicitBounds
                addHistogram(
                    series: index, timeMs: timeMs, cumulative: histogram.aggregationTemporality == .cumulative,
                    start: point.startTimeUnixNano, counts: counts, count: point.count, sum: point.sum,
                    exactSum: point.hasSum, min: point.hasMin ? point.min : nil, max: point.hasMax ? point.max : nil, into: &result
                ) { bucket, delta in
                    let mean = delta.sum / Double(max(delta.count, 1))
                    guard !bounds.isEmpty else { return mean }
                    let lower = bucket == 0 ? (point.hasMin ? point.min : min(0, bounds[0])) : bounds[min(bucket - 1, bounds.count - 1)]
                    let upper = bucket < bounds.count ? bounds[bucket] : (point.hasMax ? point.max : bounds[bounds.count - 1])
                    return (lower + upper) / 2
                }
            }
        case .exponentialHistogram(let histogram):
            for point in histogram.dataPoints {
                let timeMs = time(point.timeUnixNano)
                if let problem = Self.countProblem(
                    count: point.count, buckets: point.positive.bucketCounts + point.negative.bucketCounts + [point.zeroCount])
                {
                    result.reject("\(metric.name.prefix(64)): \(problem)")
                    continue
                }
                guard let index = series(metric.name, try tags(point.attributes), .distribution, .delta, value: point.sum, timeMs: timeMs) else { continue }
                // Keys: positive bucket k → k, negative bucket k → Int.min/2 + k, zero → Int.max.
                var counts: [Int: UInt64] = [:]
                for (offset, count) in point.positive.bucketCounts.enumerated() where count > 0 { counts[Int(point.positive.offset) + offset] = count }
                for (offset, count) in point.negative.bucketCounts.enumerated() where count > 0 {
                    counts[Int.min / 2 + Int(point.negative.offset) + offset] = count
                }
                if point.zeroCount > 0 { counts[Int.max] = point.zeroCount }
                let base = pow(2, pow(2, -Double(point.scale)))
                addHistogram(
                    series: index, timeMs: timeMs, cumulative: histogram.aggregationTemporality == .cumulative,
                    start: point.startTimeUnixNano, counts: counts, count: point.count, sum: point.sum,
                    exactSum: point.hasSum, min: point.hasMin ? point.min : nil, max: point.hasMax ? point.max : nil, into: &result
                ) { key, _ in
                    if key == Int.max { return 0 }
                    if key < Int.min / 4 { return -pow(base, Double(key - Int.min / 2) + 0.5) }
                    return pow(base, Double(key) + 0.5)
                }
            }
        case .summary(let summary):
            for point in summary.dataPoints {
                let timeMs = time(point.timeUnixNano)
                let pointTags = try tags(point.attributes)
                for quantile in point.quantileValues {
                    var quantileTags = pointTags
                    quantileTags["quantile"] = String(quantile.quantile)
                    if let index = series(metric.name, quantileTags, .gauge, .cumulative, value: quantile.value, timeMs: timeMs) {
                        result.points.add(series: index, sample: Sample(timeMs: timeMs, value: quantile.value))
                    }
                }
                if let index = series(metric.name + ".count", pointTags, .counter, .cumulative, value: Double(point.count), timeMs: timeMs) {
                    result.points.add(series: index, sample: Sample(timeMs: timeMs, value: Double(point.count)))
                }
                if let index = series(metric.name + ".sum", pointTags, .counter, .cumulative, value: point.sum, timeMs: timeMs) {
                    result.points.add(series: index, sample: Sample(timeMs: timeMs, value: point.sum))
                }
            }
        case nil:
            result.reject("metric \(metric.name.prefix(64)) has no data")
        }
    }

    /// Histogram counts beyond `Int64.max` cannot be stored (sketch and store count in signed
    /// 64 bits) and no real process observes that many events: such a data point is refused
    /// with this reason, alone — the rest of the export is kept.
    static func countProblem(count: UInt64, buckets: [UInt64]) -> String? {
        let limit = UInt64(Int64.max)
        if count > limit { return "histogram count \(count) is more than \(limit)" }
        var total: UInt64 = 0
        for bucket in buckets {
            let (sum, overflow) = total.addingReportingOverflow(bucket)
            guard !overflow, sum <= limit else { return "histogram bucket counts add up to more than \(limit)" }
            total = sum
        }
        return nil
    }

    /// Adds one histogram data point as a sketch: each bucket's count at the bucket's
    /// representative value, then the producer's exact sum, min and max. Cumulative points
    /// contribute only what arrived since the previous point of the series.
    private func addHistogram(
        series index: Int32, timeMs: Int64, cumulative: Bool, start: UInt64, counts: [Int: UInt64], count: UInt64, sum: Double,
        exactSum: Bool, min: Double?, max: Double?, into result: inout Result,
        representative: (_ bucket: Int, _ delta: (counts: [Int: UInt64], count: UInt64, sum: Double)) -> Double
    ) {
        guard let delta = deltaCounts(
            key: result.points.series[Int(index)].key.canonical, cumulative: cumulative, start: start, counts: counts, count: count, sum: sum)
        else { return }
        var sketch = QuantileSketch()
        for (bucket, bucketCount) in delta.counts.sorted(by: { $0.key < $1.key }) {
            var value = representative(bucket, delta)
            if let min { value = Swift.max(value, min) }
            if let max { value = Swift.min(value, max) }
            sketch.add(value, times: bucketCount)
        }
        guard sketch.count > 0 else { return }
        sketch.setExactStatistics(sum: exactSum ? delta.sum : nil, min: min, max: max)
        result.points.add(series: index, timeMs: timeMs, sketch: sketch.encoded())
    }

    /// The counts added since the previous cumulative point (all of them for delta points, a
    /// first point, or after a reset). Nil when nothing new arrived.
    private func deltaCounts(
        key: String, cumulative: Bool, start: UInt64, counts: [Int: UInt64], count: UInt64, sum: Double
    ) -> (counts: [Int: UInt64], count: UInt64, sum: Double)? {
        guard cumulative else { return (counts, count, sum) }
        return previous.withLock { previous in
            defer { previous[key] = (start, counts, count, sum) }
            guard let last = previous[key], last.start == start, count >= last.count else { return (counts, count, sum) }
            var delta: [Int: UInt64] = [:]
            for (bucket, value) in counts {
                let before = last.counts[bucket] ?? 0
                if value < before { return (counts, count, sum) }  // a reset without a new start time
                if value > before { delta[bucket] = value - before }
            }
            return delta.isEmpty ? nil : (delta, count - last.count, sum - last.sum)
        }
    }
}
