import PerfwatchIngest
import PerfwatchModel
import SwiftProtobuf
import Testing

/// Remote write bodies built with the generated messages and compressed by libsnappy, as
/// Prometheus builds them; bad input made by hand.
@Suite("Remote write decoder")
struct RemoteWriteDecoderTests {
    let now: Int64 = 1_795_000_000_000
    let decoder = RemoteWriteDecoder()
    static let staleBits: UInt64 = 0x7ff0_0000_0000_0002

    static func series(_ labels: [(String, String)], _ samples: [(Int64, Double)]) -> Prometheus_TimeSeries {
        Prometheus_TimeSeries.with { series in
            series.labels = labels.map { pair in Prometheus_Label.with { $0.name = pair.0; $0.value = pair.1 } }
            series.samples = samples.map { sample in Prometheus_Sample.with { $0.timestamp = sample.0; $0.value = sample.1 } }
        }
    }

    static func body(_ series: [Prometheus_TimeSeries], metadata: [Prometheus_MetricMetadata] = []) throws -> [UInt8] {
        let request = Prometheus_WriteRequest.with {
            $0.timeseries = series
            $0.metadata = metadata
        }
        return SnappyBlock.compress(try request.serializedBytes())
    }

    func decode(_ series: [Prometheus_TimeSeries], knownKind: @escaping (String) -> MetricKind? = { _ in nil }) throws -> RemoteWriteDecoder.Result {
        try decoder.decode(snappyBody: try Self.body(series), nowMs: now, knownKind: knownKind)
    }

    @Test("names and labels are kept (le stays a label, __name__ becomes the name), values bit for bit")
    func namesLabelsValues() throws {
        let stale = Double(bitPattern: Self.staleBits)
        let result = try decode([
            Self.series([("__name__", "http_requests_total"), ("code", "200"), ("job", "api")], [(now - 30_000, 5), (now - 15_000, 7)]),
            Self.series([("le", "0.5"), ("__name__", "latency_seconds_bucket"), ("empty", "")], [(now - 15_000, 3)]),
            Self.series([("__name__", "temperature")], [(now - 45_000, .nan), (now - 30_000, .infinity), (now - 15_000, -.infinity), (now, stale)]),
            Self.series([("__name__", "no_samples")], []),
        ])
        #expect(result.series == 3)
        #expect(result.samples == 7)
        let points = result.points.points
        #expect(points.count == 7)
        #expect(points[0].series == SeriesKey(metric: "http_requests_total", labels: Labels(["code": "200", "job": "api"])))
        #expect(points[1].sample == Sample(timeMs: now - 15_000, value: 7))
        #expect(points[2].series == SeriesKey(metric: "latency_seconds_bucket", labels: Labels(["le": "0.5"])))
        #expect(points[3].series.metric == "temperature")
        #expect(points[3].sample.value.isNaN && points[3].sample.value.bitPattern != Self.staleBits)
        #expect(points[4].sample.value == .infinity)
        #expect(points[5].sample.value == -.infinity)
        #expect(points[6].sample.value.bitPattern == Self.staleBits)
        #expect(points.allSatisfy { $0.temporality == .cumulative })
    }

    @Test("kinds: request metadata first, then the store's kind, then Prometheus' counter suffixes")
    func kinds() throws {
        let metadata = [
            Prometheus_MetricMetadata.with { $0.metricFamilyName = "queue_depth_total"; $0.type = .gauge },
            Prometheus_MetricMetadata.with { $0.metricFamilyName = "rpc"; $0.type = .summary },
        ]
        let series = [
            Self.series([("__name__", "queue_depth_total")], [(now, 1)]),  // metadata says gauge
            Self.series([("__name__", "rpc"), ("quantile", "0.5")], [(now, 1)]),  // summary quantile: gauge
            Self.series([("__name__", "rpc_count")], [(now, 1)]),  // summary count: counter
            Self.series([("__name__", "stored_as_counter")], [(now, 1)]),  // the store knows it
            Self.series([("__name__", "bytes_total")], [(now, 1)]),
            Self.series([("__name__", "lat_bucket"), ("le", "+Inf")], [(now, 1)]),
            Self.series([("__name__", "temperature")], [(now, 1)]),
        ]
        let result = try decoder.decode(snappyBody: try Self.body(series, metadata: metadata), nowMs: now) {
            $0 == "stored_as_counter" ? .counter : nil
        }
        #expect(result.points.points.map(\.kind) == [.gauge, .gauge, .counter, .counter, .counter, .counter, .gauge])
    }

    @Test("bad input is a 4xx naming the problem", arguments: [
        ([("job", "x")], "missing __name__"),
        ([("__name__", "")], "invalid metric name"),
        ([("__name__", "1abc")], "invalid metric name '1abc'"),
        ([("__name__", "ok"), ("bad-name", "v")], "invalid label name 'bad-name'"),
        ([("__name__", "ok"), ("a:b", "v")], "invalid label name 'a:b'"),
        ([("__name__", "ok"), ("9", "v")], "invalid label name '9'"),
        ([("__name__", "ok"), ("a", "1"), ("a", "2")], "duplicate label name 'a'"),
        ([("__name__", "ok"), ("__name__", "again")], "duplicate label __name__"),
    ])
    func badLabels(labels: [(String, String)], message: String) throws {
        let good = Self.series([("__name__", "fine")], [(now, 1)])
        let error = try #require(throws: PerfwatchError.self) { try decode([good, Self.series(labels, [(now, 1)])]) }
        #expect(error.code == .badRequest)
        #expect(error.message.contains("series 1"), "\(error.message)")
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test("limits of the text import apply: label count, name length, the time window")
    func limits() throws {
        let many = [("__name__", "m")] + (0..<65).map { ("l\($0)", "v") }
        #expect(throws: PerfwatchError.self) { try decode([Self.series(many, [(now, 1)])]) }
        #expect(throws: PerfwatchError.self) { try decode([Self.series([("__name__", String(repeating: "a", count: 300))], [(now, 1)])]) }
        let old = try #require(throws: PerfwatchError.self) { try decode([Self.series([("__name__", "m")], [(now - 3 * 86_400_000, 1)])]) }
        #expect(old.message.contains("older than the retention"), "\(old.message)")
        let future = try #require(throws: PerfwatchError.self) { try decode([Self.series([("__name__", "m")], [(now + 3_600_000, 1)])]) }
        #expect(future.message.contains("in the future"), "\(future.message)")
    }

    @Test("corrupt snappy, a snappy length over the cap and corrupt protobuf are refused")
    func corruptBodies() throws {
        let valid = try Self.body([Self.series([("__name__", "m")], [(now, 1)])])
        // A truncated block and random bytes are not snappy.
        for bad in [Array(valid.dropLast(3)), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], Array("hello, not snappy".utf8), []] {
            let error = try #require(throws: PerfwatchError.self) { try decoder.decode(snappyBody: bad, nowMs: now) }
            #expect(error.code == .badRequest, "\(bad)")
            #expect(error.message.contains("snappy"), "\(error.message)")
        }
        // A header claiming 100 MB: refused before anything is allocated.
        let huge: [UInt8] = [0x80, 0xc2, 0xd7, 0x2f, 0x00]
        let tooLarge = try #require(throws: PerfwatchError.self) { try RemoteWriteDecoder(maxDecompressedBytes: 1 << 20).decode(snappyBody: huge, nowMs: now) }
        #expect(tooLarge.code == .payloadTooLarge)
        // Valid snappy around bytes that are not a WriteRequest (a truncated field, a bad wire type).
        for garbage: [UInt8] in [[0x0a, 0x10, 0x01], [0x0f, 0x01], [0x0a, 0x02, 0x0a, 0x05]] {
            let error = try #require(throws: PerfwatchError.self) { try decoder.decode(snappyBody: SnappyBlock.compress(garbage), nowMs: now) }
            #expect(error.code == .badRequest)
            #expect(error.message.contains("protobuf"), "\(error.message)")
        }
        // Invalid UTF-8 in a label value (proto3 strings must be UTF-8).
        let label: [UInt8] = [0x0a, 0x08] + Array("__name__".utf8) + [0x12, 0x02, 0xff, 0xfe]
        let badUTF8: [UInt8] = [0x0a, 0x10, 0x0a, 0x0e] + label
        let error = try #require(throws: PerfwatchError.self) { try decoder.decode(snappyBody: SnappyBlock.compress(badUTF8), nowMs: now) }
        #expect(error.message.contains("protobuf"), "\(error.message)")
    }

    @Test("snappy round trip over libsnappy at several sizes")
    func snappyRoundTrip() throws {
        for size in [0, 1, 100, 70_000, 1_000_000] {
            let input = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 300) }
            #expect(try SnappyBlock.decompress(SnappyBlock.compress(input), limit: size) == input)
        }
        let error = try #require(throws: PerfwatchError.self) { try SnappyBlock.decompress(SnappyBlock.compress([UInt8](repeating: 1, count: 101)), limit: 100) }
        #expect(error.code == .payloadTooLarge)
    }
}
