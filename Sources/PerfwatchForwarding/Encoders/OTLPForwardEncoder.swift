import Foundation
import PerfwatchGzip
import PerfwatchModel
import PerfwatchOTLP
import SwiftProtobuf

/// OTLP/HTTP protobuf: an `ExportMetricsServiceRequest` for the points and an
/// `ExportTraceServiceRequest` for the spans of a batch.
///
/// Gauges become `Gauge`, counters monotonic `Sum` with their temporality, distributions an
/// explicit-bounds `Histogram` (delta): its bounds are the values of the sketch's non-empty bins,
/// so every bucket counts exactly the values of one bin, each within 1% of its bound; count,
/// sum, min and max are exact. (An exponential histogram would need our bins cut again onto
/// powers of two, losing the 1% promise at bin edges.)
public struct OTLPForwardEncoder: ForwardEncoder {
    public var gzip: Bool
    /// The resource every forwarded metric is under (points keep their labels as attributes).
    static let scopeName = "perfwatch.forwarding"

    public init(gzip: Bool) { self.gzip = gzip }

    public func encode(_ batch: ForwardBatch, unrepresentable: inout Int) -> [EncodedRequest] {
        var out: [EncodedRequest] = []
        if !batch.points.isEmpty, let body = try? metricsRequest(batch.points).serializedBytes() as [UInt8] {
            out.append(EncodedRequest(signal: .metrics, items: batch.points.count, body: gzip ? GzipDeflater.gzip(body, level: 6) : body))
        }
        // Spans in requests of at most 1,000: collectors limit request sizes.
        for spans in batch.spans.chunked(1000) where !spans.isEmpty {
            if let body = try? tracesRequest(Array(spans)).serializedBytes() as [UInt8] {
                out.append(EncodedRequest(signal: .traces, items: spans.count, body: gzip ? GzipDeflater.gzip(body, level: 6) : body))
            }
        }
        return out
    }

    func metricsRequest(_ points: [ForwardBatch.Point]) -> Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest {
        // One Metric per name, kind, temporality and unit, in the order first seen.
        var metrics: [Opentelemetry_Proto_Metrics_V1_Metric] = []
        var positions: [String: Int] = [:]
        for point in points {
            let key = "\(point.metric)\u{0}\(point.kind.rawValue)\u{0}\(point.temporality.rawValue)\u{0}\(point.unit)"
            let position: Int
            if let known = positions[key] {
                position = known
            } else {
                var metric = Opentelemetry_Proto_Metrics_V1_Metric()
                metric.name = point.metric
                metric.unit = point.unit
                switch point.kind {
                case .gauge: metric.gauge = .init()
                case .counter:
                    metric.sum = .init()
                    metric.sum.isMonotonic = true
                    metric.sum.aggregationTemporality = point.temporality == .cumulative ? .cumulative : .delta
                case .distribution:
                    metric.histogram = .init()
                    metric.histogram.aggregationTemporality = .delta
                }
                metrics.append(metric)
                position = metrics.count - 1
                positions[key] = position
            }
            let attributes = point.labels.map { Opentelemetry_Proto_Common_V1_KeyValue.string($0.key, $0.value) }
            let timeNs = UInt64(clamping: point.timeMs) &* 1_000_000
            switch point.value {
            case .number(let value):
                var dataPoint = Opentelemetry_Proto_Metrics_V1_NumberDataPoint()
                dataPoint.attributes = attributes
                dataPoint.timeUnixNano = timeNs
                dataPoint.asDouble = value
                if point.kind == .counter {
                    metrics[position].sum.dataPoints.append(dataPoint)
                } else {
                    metrics[position].gauge.dataPoints.append(dataPoint)
                }
            case .distribution(let summary):
                var dataPoint = Opentelemetry_Proto_Metrics_V1_HistogramDataPoint()
                dataPoint.attributes = attributes
                dataPoint.timeUnixNano = timeNs
                dataPoint.count = summary.count
                dataPoint.sum = summary.sum
                dataPoint.min = summary.min
                dataPoint.max = summary.max
                dataPoint.explicitBounds = summary.bins.map(\.value)
                // Bucket i holds values ≤ bounds[i]; the last (above every bound) is empty.
                dataPoint.bucketCounts = summary.bins.map(\.count) + [0]
                metrics[position].histogram.dataPoints.append(dataPoint)
            }
        }
        var scope = Opentelemetry_Proto_Metrics_V1_ScopeMetrics()
        scope.scope.name = Self.scopeName
        scope.metrics = metrics
        var resource = Opentelemetry_Proto_Metrics_V1_ResourceMetrics()
        resource.scopeMetrics = [scope]
        var request = Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest()
        request.resourceMetrics = [resource]
        return request
    }

    func tracesRequest(_ spans: [Span]) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        // Spans are grouped under one resource per service (and its resource attributes).
        var groups: [Opentelemetry_Proto_Trace_V1_ResourceSpans] = []
        var positions: [String: Int] = [:]
        for span in spans {
            let resourceKey = span.service + "\u{0}" + span.resource.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{0}")
            let position: Int
            if let known = positions[resourceKey] {
                position = known
            } else {
                var group = Opentelemetry_Proto_Trace_V1_ResourceSpans()
                var attributes = span.resource
                attributes["service.name"] = span.service
                group.resource.attributes = attributes.sorted { $0.key < $1.key }.map { .string($0.key, $0.value) }
                var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
                scope.scope.name = Self.scopeName
                group.scopeSpans = [scope]
                groups.append(group)
                position = groups.count - 1
                positions[resourceKey] = position
            }
            groups[position].scopeSpans[0].spans.append(otlpSpan(span))
        }
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        request.resourceSpans = groups
        return request
    }

    func otlpSpan(_ span: Span) -> Opentelemetry_Proto_Trace_V1_Span {
        var out = Opentelemetry_Proto_Trace_V1_Span()
        out.traceID = Data(Hex.decode(span.traceID) ?? [])
        out.spanID = Data(Hex.decode(span.spanID) ?? [])
        out.parentSpanID = Data(Hex.decode(span.parentSpanID) ?? [])
        out.name = span.name
        out.kind = Opentelemetry_Proto_Trace_V1_Span.SpanKind(rawValue: span.kind.rawValue) ?? .unspecified
        out.startTimeUnixNano = UInt64(clamping: span.startNs)
        out.endTimeUnixNano = UInt64(clamping: span.startNs &+ span.durationNs)
        out.attributes = span.attributes.sorted { $0.key < $1.key }.map { .string($0.key, $0.value) }
        out.events = span.events.map { event in
            var otlp = Opentelemetry_Proto_Trace_V1_Span.Event()
            otlp.timeUnixNano = UInt64(clamping: event.timeNs)
            otlp.name = event.name
            otlp.attributes = event.attributes.sorted { $0.key < $1.key }.map { .string($0.key, $0.value) }
            return otlp
        }
        out.status.code = Opentelemetry_Proto_Trace_V1_Status.StatusCode(rawValue: span.status.rawValue) ?? .unset
        out.status.message = span.statusMessage
        return out
    }
}
