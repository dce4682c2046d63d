import Logging
import PerfwatchAnalysis
import PerfwatchDemo
import PerfwatchIngest
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage
import PerfwatchTesting
import SwiftProtobuf
import Testing

/// Issue 15 #10: `POST /api/v1/analysis/run?window=30m` after the periodic 1-hour pass filed the
/// same anomaly again, because the two windows bucket differently (one and two minutes) and the
/// episode's first bucket was part of its fingerprint.
@Suite("Anomaly episodes: one issue whatever window finds them")
struct AnomalyEpisodeTests {
    static let minute: Int64 = 60_000

    @Test("the hourly pass and a 30-minute pass over the same spike leave one issue, updated")
    func overlappingWindowsFindOneIssue() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let now = TimeParsing.nowMs() / (60 * Self.minute) * (60 * Self.minute)
            let start = now - 80 * Self.minute
            var workload = SignalsWorkload(seed: 5)
            workload.trendStartMs = start
            // Starts on an odd minute, so the two-minute buckets begin the episode a minute earlier.
            workload.anomaly = (now - 21 * Self.minute)..<(now - 9 * Self.minute)
            for minute in 0..<80 {
                let from = start + Int64(minute) * Self.minute
                let request = workload.export(fromMs: from, toMs: from + Self.minute, perRoute: 60)
                var spans = try OTLPProtobufTraceDecoder().decode(try request.serializedBytes()).spans
                let derived = SpanDerivations.derive(from: &spans)
                _ = try await store.append(
                    IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks(spans), derived: derived.points, statements: derived.statements))
            }
            let engine = QueryEngine(store: store, configuration: .init(maxSeries: 100_000))
            let service = AnalysisService(analyzers: [AnomalyAnalyzer(engine: engine)], store: store, logger: Logger(label: "test"))

            let hourly = await service.runPass(nowMs: now, windowMs: 60 * Self.minute)
            #expect(hourly.failures.isEmpty)
            let first = try #require(hourly.issues.first { $0.route == "/profile" && $0.evidence.contains("\"metric\":\"p95\"") })
            #expect(first.evidence.contains("\"bucketMs\":120000"))

            let manual = await service.runPass(nowMs: now, windowMs: 30 * Self.minute)
            #expect(manual.failures.isEmpty)
            let second = try #require(manual.issues.first { $0.route == "/profile" && $0.evidence.contains("\"metric\":\"p95\"") })
            #expect(second.evidence.contains("\"bucketMs\":60000"))
            #expect(second.id == first.id)

            let anomalies = try await store.issues(status: nil, type: "anomaly", limit: 100)
            let profileP95 = anomalies.filter { $0.route == "/profile" && $0.evidence.contains("\"metric\":\"p95\"") }
            #expect(profileP95.count == 1)
            #expect(Set(anomalies.map(\.fingerprint)).count == anomalies.count)
        }
    }
}
