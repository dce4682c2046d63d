import Foundation
import PerfwatchForwarding
import PerfwatchGzip
import PerfwatchModel
import PerfwatchOTLP
import SwiftProtobuf
import Testing

@Suite("Forwarding encoders")
struct EncoderTests {
    @Test func batchSummarizesDistributionsPerCommit() throws {
        let batch = ForwardFixtures.batch()
        #expect(batch.points.count == 4)
        #expect(batch.spans.count == 2)
        let distribution = try #require(batch.points.first { $0.metric == "http.server.duration" })
        guard case .distribution(let summary) = distribution.value else { Issue.record("not a distribution"); return }
        #expect(summary.count == 4 && summary.sum == 100 && summary.min == 10 && summary.max == 40)
        #expect(summary.bins.reduce(0) { $0 + $1.count } == 4)
        #expect(distribution.timeMs == ForwardFixtures.timeMs + 3)
    }

    @Test func pointsTheStoreRefusedAreLeftOut() {
        // Entry 0 is the gauge; entry 1 the delta counter.
        let batch = ForwardBatch(payload: ForwardFixtures.payload(), decodeSpans: false, refused: [0, 1])
        #expect(batch.points.map(\.metric).sorted() == ["http.server.duration", "http_requests_total"])
        #expect(batch.spans.isEmpty)
    }

    @Test func otlpMetricsDecodeBack() throws {
        var unrepresentable = 0
        let requests = OTLPForwardEncoder(gzip: false).encode(ForwardFixtures.batch(), unrepresentable: &unrepresentable)
        #expect(requests.map(\.signal) == [.metrics, .traces])
        #expect(requests[0].items == 4)
        let decoded = try Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest(serializedBytes: requests[0].body)
        let metrics = decoded.resourceMetrics[0].scopeMetrics[0].metrics
        let byName = Dictionary(uniqueKeysWithValues: metrics.map { ($0.name, $0) })
        let gauge = try #require(byName["system.cpu.percent"])
        #expect(gauge.unit == "%")
        #expect(gauge.gauge.dataPoints[0].asDouble == 42.5)
        #expect(gauge.gauge.dataPoints[0].timeUnixNano == UInt64(ForwardFixtures.timeMs) * 1_000_000)
        let attributes = gauge.gauge.dataPoints[0].attributes.map { "\($0.key)=\($0.value.stringValue)" }
        #expect(attributes == ["host=web-1", "route=/checkout"])
        let delta = try #require(byName["http_requests"])
        #expect(delta.sum.isMonotonic && delta.sum.aggregationTemporality == .delta && delta.sum.dataPoints[0].asDouble == 3)
        let cumulative = try #require(byName["http_requests_total"])
        #expect(cumulative.sum.aggregationTemporality == .cumulative && cumulative.sum.dataPoints[0].asDouble == 1200)
        let histogram = try #require(byName["http.server.duration"]).histogram
        #expect(histogram.aggregationTemporality == .delta)
        let point = histogram.dataPoints[0]
        #expect(point.count == 4 && point.sum == 100 && point.min == 10 && point.max == 40)
        #expect(point.bucketCounts.count == point.explicitBounds.count + 1)
        #expect(point.bucketCounts.reduce(0, +) == 4)
        // Each bound is within 1% of the value it counts.
        for (bound, exact) in zip(point.explicitBounds, [10.0, 20, 30, 40]) { #expect(abs(bound - exact) / exact <= 0.01) }
    }

    @Test func otlpTracesDecodeBackAndGzip() throws {
        var unrepresentable = 0
        let requests = OTLPForwardEncoder(gzip: true).encode(ForwardFixtures.batch(), unrepresentable: &unrepresentable)
        let traces = try #require(requests.first { $0.signal == .traces })
        #expect(traces.items == 2)
        let raw = try GzipInflater.inflate(traces.body, limit: 1 << 20)
        let decoded = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: raw)
        #expect(decoded.resourceSpans.count == 1)
        let resource = decoded.resourceSpans[0].resource.attributes.map { "\($0.key)=\($0.value.stringValue)" }
        #expect(resource == ["deployment.environment=prod", "service.name=checkout"])
        let spans = decoded.resourceSpans[0].scopeSpans[0].spans
        let root = try #require(spans.first { $0.name == "GET /checkout" })
        #expect(Hex.encode(root.traceID) == "0af7651916cd43dd8448eb211c80319c")
        #expect(Hex.encode(root.spanID) == "b7ad6b7169203331")
        #expect(root.kind == .server && root.status.code == .error && root.status.message == "boom")
        #expect(root.endTimeUnixNano - root.startTimeUnixNano == 25_000_000)
        let child = try #require(spans.first { $0.name == "SELECT orders" })
        #expect(Hex.encode(child.parentSpanID) == "b7ad6b7169203331")
    }

    @Test func datadogSeriesShape() throws {
        var unrepresentable = 0
        let requests = DatadogSeriesEncoder().encode(ForwardFixtures.batch(), unrepresentable: &unrepresentable)
        #expect(requests.count == 1)
        // gauge, two counters, five series of the distribution
        #expect(requests[0].items == 8)
        let json = try GzipInflater.inflate(requests[0].body, limit: 1 << 20)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let series = try #require(root["series"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: series.map { ($0["metric"] as! String, $0) })
        #expect(Set(byName.keys) == [
            "system.cpu.percent", "http_requests", "http_requests_total", "http.server.duration.count", "http.server.duration.sum",
            "http.server.duration.min", "http.server.duration.max", "http.server.duration.avg",
        ])
        let gauge = try #require(byName["system.cpu.percent"])
        #expect(gauge["type"] as? Int == 3)
        let points = try #require(gauge["points"] as? [[String: Any]])
        #expect(points[0]["timestamp"] as? Int == Int(ForwardFixtures.timeMs / 1000))
        #expect(points[0]["value"] as? Double == 42.5)
        #expect(gauge["tags"] as? [String] == ["route:/checkout"])
        let resources = try #require(gauge["resources"] as? [[String: Any]])
        #expect(resources[0]["name"] as? String == "web-1" && resources[0]["type"] as? String == "host")
        #expect(byName["http_requests"]?["type"] as? Int == 1)
        #expect(byName["http_requests_total"]?["type"] as? Int == 3)
        #expect((byName["http.server.duration.avg"]?["points"] as? [[String: Any]])?.first?["value"] as? Double == 25)
    }

    @Test func datadogSplitsLargeBatchesAndSkipsNonFinite() throws {
        var points: [ForwardBatch.Point] = []
        var generator = SystemRandomNumberGenerator()
        for index in 0..<40_000 {
            // Random tags compress badly, so the body must be split to stay under 500 KB compressed.
            points.append(
                ForwardBatch.Point(
                    metric: "m\(index)", labels: [(key: "id", value: String(generator.next(), radix: 36))], kind: .gauge, temporality: .delta, unit: "",
                    timeMs: ForwardFixtures.timeMs, value: .number(Double(index))))
        }
        points.append(
            ForwardBatch.Point(metric: "bad", labels: [], kind: .gauge, temporality: .delta, unit: "", timeMs: ForwardFixtures.timeMs, value: .number(.nan)))
        var unrepresentable = 0
        let requests = DatadogSeriesEncoder().encode(ForwardBatch(points: points), unrepresentable: &unrepresentable)
        #expect(unrepresentable == 1)
        #expect(requests.count > 1)
        #expect(requests.allSatisfy { $0.body.count <= DatadogSeriesEncoder.maxCompressedBytes })
        #expect(requests.reduce(0) { $0 + $1.items } == 40_000)
    }

    @Test func cloudWatchForm() throws {
        var unrepresentable = 0
        let requests = CloudWatchEncoder(namespace: "Perf watch").encode(ForwardFixtures.batch(), unrepresentable: &unrepresentable)
        #expect(requests.count == 1 && requests[0].items == 4)
        let form = Self.form(requests[0].body)
        #expect(form["Action"] == "PutMetricData" && form["Version"] == "2010-08-01" && form["Namespace"] == "Perf watch")
        var members: [String: Int] = [:]
        for index in 1...4 { members[form["MetricData.member.\(index).MetricName"]!] = index }
        let gauge = try #require(members["system.cpu.percent"])
        #expect(form["MetricData.member.\(gauge).Value"] == "42.5")
        #expect(form["MetricData.member.\(gauge).Unit"] == "Percent")
        #expect(form["MetricData.member.\(gauge).Timestamp"] == "2026-12-01T09:30:00.000Z")
        #expect(form["MetricData.member.\(gauge).Dimensions.member.1.Name"] == "host")
        #expect(form["MetricData.member.\(gauge).Dimensions.member.1.Value"] == "web-1")
        #expect(form["MetricData.member.\(gauge).Dimensions.member.2.Value"] == "/checkout")
        let distribution = try #require(members["http.server.duration"])
        #expect(form["MetricData.member.\(distribution).StatisticValues.SampleCount"] == "4")
        #expect(form["MetricData.member.\(distribution).StatisticValues.Sum"] == "100")
        #expect(form["MetricData.member.\(distribution).StatisticValues.Minimum"] == "10")
        #expect(form["MetricData.member.\(distribution).StatisticValues.Maximum"] == "40")
        #expect(form["MetricData.member.\(distribution).Unit"] == "Milliseconds")
        #expect(form["MetricData.member.\(distribution).Value"] == nil)
    }

    @Test func cloudWatchLimits() throws {
        let labels = (0..<40).map { (key: String(format: "k%02d", $0), value: "v") }
        let points = (0..<2500).map {
            ForwardBatch.Point(metric: "m\($0)", labels: labels, kind: .gauge, temporality: .delta, unit: "", timeMs: 0, value: .number(1))
        }
        var unrepresentable = 0
        let requests = CloudWatchEncoder(namespace: "N").encode(ForwardBatch(points: points), unrepresentable: &unrepresentable)
        #expect(requests.map(\.items).reduce(0, +) == 2500)
        #expect(requests.allSatisfy { $0.items <= 1000 && $0.body.count <= CloudWatchEncoder.maxBodyBytes })
        let form = Self.form(requests[0].body)
        #expect(form["MetricData.member.1.Dimensions.member.30.Name"] == "k29")
        #expect(form["MetricData.member.1.Dimensions.member.31.Name"] == nil)
        #expect(form["MetricData.member.1.Timestamp"] == "1970-01-01T00:00:00.000Z")
    }

    static func form(_ body: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding! }
            out[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return out
    }
}
