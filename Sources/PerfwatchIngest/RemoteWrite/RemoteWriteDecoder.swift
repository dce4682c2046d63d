public import PerfwatchModel
import SwiftProtobuf

/// Turns a Prometheus remote write 1.0 body (a snappy block holding a protobuf `WriteRequest`,
/// docs/formats/remote-write-subset.md) into counter and gauge points for the ingest pipeline,
/// under the same limits as the Prometheus text import.
///
/// The request is all-or-nothing, like the text import: corrupt snappy or protobuf, a series
/// without `__name__`, a bad label name, a broken limit or a timestamp outside the accepted
/// window fails it with a message naming the series, and nothing of it is stored. Names and
/// labels are kept as they are (`le` and `quantile` stay labels); labels with an empty value are
/// dropped, as Prometheus does. NaN, ±Inf and the stale marker are stored bit for bit.
public struct RemoteWriteDecoder: Sendable {
    public var limits: ValidationLimits
    /// Largest body after snappy decompression.
    public var maxDecompressedBytes: Int

    public init(limits: ValidationLimits = ValidationLimits(), maxDecompressedBytes: Int = 64 << 20) {
        self.limits = limits
        self.maxDecompressedBytes = maxDecompressedBytes
    }

    public struct Result: Sendable {
        public var points = PointBatch()
        public var series = 0
        public var samples = 0
    }

    /// - Parameter knownKind: the kind a metric already has in the store, if any; remote write
    ///   rarely carries metadata (Prometheus sends it in separate requests), so without it the
    ///   existing kind keeps text import and remote write of one metric from conflicting.
    public func decode(
        snappyBody: [UInt8], nowMs: Int64, knownKind: (String) -> MetricKind? = { _ in nil }
    ) throws -> Result {
        let bytes = try SnappyBlock.decompress(snappyBody, limit: maxDecompressedBytes)
        return try decode(protobuf: bytes, nowMs: nowMs, knownKind: knownKind)
    }

    public func decode(
        protobuf bytes: [UInt8], nowMs: Int64, knownKind: (String) -> MetricKind? = { _ in nil }
    ) throws -> Result {
        let request: Prometheus_WriteRequest
        do {
            request = try Prometheus_WriteRequest(serializedBytes: bytes)
        } catch {
            throw PerfwatchError(.badRequest, "body is not a protobuf WriteRequest (\(error))")
        }
        var types: [String: PrometheusTextParser.FamilyType] = [:]
        for metadata in request.metadata {
            types[metadata.metricFamilyName] = Self.familyType(metadata.type)
        }
        var result = Result()
        var kinds: [String: (MetricKind, Temporality)] = [:]
        result.points.reserveCapacity(entries: request.timeseries.reduce(0) { $0 + $1.samples.count })
        for (index, timeSeries) in request.timeseries.enumerated() where !timeSeries.samples.isEmpty {
            let (name, labels) = try Self.nameAndLabels(timeSeries.labels, index: index)
            if let (_, message) = limits.check(name: name, tags: labels, value: 0, timeMs: nowMs, nowMs: nowMs) {
                throw PerfwatchError(.badRequest, "series \(index) (\(name)): \(message)")
            }
            let kind: (MetricKind, Temporality)
            if let known = kinds[name] {
                kind = known
            } else {
                kind = classify(name: name, labels: labels, types: types, knownKind: knownKind)
                kinds[name] = kind
            }
            let seriesIndex = result.points.addSeries(
                PointBatch.Series(key: SeriesKey(metric: name, labels: Labels(labels)), kind: kind.0, temporality: kind.1, unit: ""))
            for sample in timeSeries.samples {
                if sample.timestamp > nowMs + limits.maxFutureMs {
                    throw PerfwatchError(
                        .badRequest,
                        "series \(index) (\(name)): timestamp \(sample.timestamp) is more than \(limits.maxFutureMs / 60000) min in the future")
                }
                if sample.timestamp < nowMs - limits.maxAgeMs {
                    throw PerfwatchError(
                        .badRequest,
                        "series \(index) (\(name)): timestamp \(sample.timestamp) is older than the retention of \(limits.maxAgeMs / 3_600_000) h")
                }
                result.points.add(series: seriesIndex, sample: Sample(timeMs: sample.timestamp, value: sample.value))
            }
            result.series += 1
            result.samples += timeSeries.samples.count
        }
        return result
    }

    /// `__name__` taken out of the labels; names checked as Prometheus 2.42 checks them.
    static func nameAndLabels(_ pairs: [Prometheus_Label], index: Int) throws -> (String, [String: String]) {
        var name: String?
        var labels: [String: String] = [:]
        labels.reserveCapacity(pairs.count)
        for pair in pairs {
            if pair.name == "__name__" {
                guard name == nil else { throw PerfwatchError(.badRequest, "series \(index): duplicate label __name__") }
                guard PrometheusNames.isMetricName(pair.value) else {
                    throw PerfwatchError(.badRequest, "series \(index): invalid metric name '\(pair.value.prefix(80))'")
                }
                name = pair.value
                continue
            }
            guard PrometheusNames.isLabelName(pair.name) else {
                throw PerfwatchError(.badRequest, "series \(index): invalid label name '\(pair.name.prefix(80))'")
            }
            guard labels.updateValue(pair.value, forKey: pair.name) == nil else {
                throw PerfwatchError(.badRequest, "series \(index): duplicate label name '\(pair.name)'")
            }
            if pair.value.isEmpty { labels[pair.name] = nil }
        }
        guard let name else { throw PerfwatchError(.badRequest, "series \(index): missing __name__ label") }
        return (name, labels)
    }

    /// Metadata in the request first, then the metric's kind in the store, then the names
    /// Prometheus gives counters (`_total`, and a histogram's or summary's `_bucket`/`_sum`/`_count`);
    /// everything else is a gauge.
    func classify(
        name: String, labels: [String: String], types: [String: PrometheusTextParser.FamilyType], knownKind: (String) -> MetricKind?
    ) -> (MetricKind, Temporality) {
        let hasType = types[name] != nil || ["_bucket", "_sum", "_count"].contains { name.hasSuffix($0) && types[String(name.dropLast($0.count))] != nil }
        if hasType { return PrometheusTextParser.classify(name: name, labels: labels, types: types) }
        if let known = knownKind(name), known != .distribution { return (known, .cumulative) }
        for suffix in ["_total", "_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { return (.counter, .cumulative) }
        return (.gauge, .cumulative)
    }

    static func familyType(_ type: Prometheus_MetricMetadata.MetricType) -> PrometheusTextParser.FamilyType {
        switch type {
        case .counter: .counter
        case .gauge: .gauge
        case .histogram, .gaugehistogram: .histogram
        case .summary: .summary
        default: .untyped
        }
    }
}
