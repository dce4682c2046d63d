import PerfwatchGzip
import PerfwatchIngest
import PerfwatchModel

/// The ingest decoders, fed request bodies as they arrive.
extension FuzzTarget {
    /// A fixed clock, so runs replay: inputs with times near it pass validation.
    static let nowMs: Int64 = 1_795_000_000_000

    static let ingestTargets: [FuzzTarget] = [
        FuzzTarget(name: "json-metrics") { input in expectClientError { _ = try JSONMetricsParser().parse(input, nowMs: nowMs) } },
        FuzzTarget(name: "prometheus-text") { input in expectClientError { _ = try PrometheusTextParser().parse(input, nowMs: nowMs) } },
        // Remote write: the input as a snappy body, and as the protobuf inside one (snappy seldom
        // lets mutated bytes through to the WriteRequest decoder).
        FuzzTarget(name: "remote-write") { input in
            expectClientError { _ = try RemoteWriteDecoder(maxDecompressedBytes: 1 << 20).decode(snappyBody: input, nowMs: nowMs) }
            expectClientError { _ = try RemoteWriteDecoder().decode(protobuf: input, nowMs: nowMs) }
        },
        FuzzTarget(name: "otlp-traces-protobuf") { input in expectClientError { _ = try OTLPProtobufTraceDecoder().decode(input) } },
        FuzzTarget(name: "otlp-traces-json") { input in expectClientError { _ = try OTLPJSONTraceDecoder().decode(input) } },
        FuzzTarget(name: "otlp-metrics-protobuf") { input in
            expectClientError { _ = try OTLPMetricsMapper().decode(input, json: false, nowMs: nowMs) }
        },
        FuzzTarget(name: "otlp-metrics-json") { input in
            expectClientError { _ = try OTLPMetricsMapper().decode(input, json: true, nowMs: nowMs) }
        },
        FuzzTarget(name: "rum-beacon") { input in expectClientError { _ = try RUMBeaconParser.parse(input) } },
        // The limit the server applies to request bodies (1 MiB here keeps runs fast; the
        // bound is what is tested, not its size).
        FuzzTarget(name: "gzip") { input in expectClientError { _ = try GzipInflater.inflate(input, limit: 1 << 20) } },
    ]

    /// Ingest errors must be ones the HTTP layer answers with a 4xx; anything else would be a
    /// 500 for a client's mistake.
    static func expectClientError(_ body: () throws -> Void) {
        do {
            try body()
        } catch let error as PerfwatchError {
            switch error.code {
            case .badRequest, .payloadTooLarge, .unprocessable, .unsupportedMediaType: return
            default: fatalError("decoder answered \(error.code) to client input: \(error.message)")
            }
        } catch {
            fatalError("decoder threw \(type(of: error)), not a PerfwatchError: \(error)")
        }
    }
}
