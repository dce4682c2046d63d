import Logging
@testable import PerfwatchAnalysis
import PerfwatchDemo
import PerfwatchIngest
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage
import PerfwatchTesting
import SwiftProtobuf
import Testing

/// Issue 15 #11: when the demo stopped, six "critical" throughput anomalies appeared, each
/// "saves ≈ 0 ms", and the cache hit issue was "critical" with "saves ≈ 0 ms". Severity
/// follows impact: a negligible one is never critical, and traffic stopping is only `info`.
@Suite("Severity follows impact")
struct SeverityTests {
    static let minute: Int64 = 60_000

    func analyzers(_ store: EmbeddedStore) -> AnalysisService {
        let engine = QueryEngine(store: store, configuration: .init(maxSeries: 100_000))
        let statements: @Sendable ([String]) async throws -> [String: String] = { try await store.statements(fingerprints: $0) }
        return AnalysisService(
            analyzers: [
                AnomalyAnalyzer(engine: engine), BottleneckAnalyzer(engine: engine, spans: store),
                TrendAnalyzer(reader: TrendReader(engine: engine)), NPlusOneAnalyzer(engine: engine, statements: statements),
                SlowQueryAnalyzer(engine: engine, statements: statements),
            ],
            store: store, logger: Logger(label: "test"))
    }

    func append(_ request: some SwiftProtobuf.Message, to store: EmbeddedStore) async throws {
        var spans = try OTLPProtobufTraceDecoder().decode(try request.serializedBytes()).spans
        let derived = SpanDerivations.derive(from: &spans)
        _ = try await store.append(
            IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks(spans), derived: derived.points, statements: derived.statements))
    }

    @Test("a negligible latency impact is never critical; a real one keeps the analyzer's judgement")
    func impactCapsTheJudgement() {
        #expect(Severity.forImpact(.critical, impactMs: 0) == "info")
        #expect(Severity.forImpact(.warning, impactMs: 0.4) == "info")
        #expect(Severity.forImpact(.critical, impactMs: 35) == "critical")
        #expect(Severity.forImpact(.warning, impactMs: 250) == "warning")
        #expect(Severity.forThroughput(.critical, stopped: true) == "info")
        #expect(Severity.forThroughput(.critical, stopped: false) == "critical")
    }

    @Test("a cache that misses often but costs nothing measurable is info, not critical")
    func cacheMissesWithoutCost() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let analyzer = BottleneckAnalyzer(engine: QueryEngine(store: store, configuration: .init(maxSeries: 10)), spans: store)
            let key = BottleneckTraceSample.Key(service: "shop", route: "/catalog")
            var ratio = CacheHitRatio()
            ratio.hits = 10
            ratio.misses = 30
            // Requests with a miss take as long as those with only hits: nothing to gain.
            ratio.missTraceMs = 12
            ratio.hitTraceMs = 12
            let free = analyzer.cacheIssue(key, ratio: ratio, traces: 20, context: .init(from: 0, to: 1, nowMs: 1))
            #expect(free.impactMs < 1)
            #expect(free.severity == "info")
            ratio.missTraceMs = 212
            let costly = analyzer.cacheIssue(key, ratio: ratio, traces: 20, context: .init(from: 0, to: 1, nowMs: 1))
            #expect(costly.impactMs > 100 && costly.severity == "critical")
        }
    }

    @Test("the demo's traffic, then nothing: no critical issue from the stop; the drops say traffic stopped")
    func demoStops() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let now = TimeParsing.nowMs() / Self.minute * Self.minute
            let start = now - 60 * Self.minute
            var workload = DemoWorkload(seed: 7)
            // 46 minutes of the demo at 10 requests per second (every route ≥ 50 per two-minute
            // bucket), then 14 minutes of silence.
            for minute in 0..<46 {
                let from = start + Int64(minute) * Self.minute
                try await append(workload.export(count: 600, fromMs: from, toMs: from + Self.minute, releaseSwitchMs: 0), to: store)
            }
            let report = await analyzers(store).runPass(nowMs: now, windowMs: 60 * Self.minute)
            #expect(report.failures.isEmpty)
            let issues = try await store.issues(status: nil, type: nil, limit: 200)
            for issue in issues { print("issue:", issue.severity, issue.type, issue.route, "—", issue.title, "impact", issue.impactMs) }
            // What stays critical is what the demo injects on purpose and costs real time: its N+1.
            let critical = issues.filter { $0.severity == "critical" }
            #expect(critical.map(\.type) == ["n_plus_one"])
            #expect(critical.allSatisfy { $0.impactMs >= 10 })
            // One drop per demo route, each only worth knowing.
            let drops = issues.filter { $0.type == "anomaly" && $0.evidence.contains("\"metric\":\"throughput\"") }
            #expect(drops.count == DemoWorkload.routes.count)
            for drop in drops {
                #expect(drop.severity == "info")
                #expect(drop.description.hasPrefix("Traffic stopped"))
                #expect(drop.recommendation.contains("stopped"))
            }
        }
    }

    @Test("a real latency spike keeps its weight")
    func latencySpikeStaysSevere() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let now = TimeParsing.nowMs() / (60 * Self.minute) * (60 * Self.minute)
            let start = now - 80 * Self.minute
            var workload = SignalsWorkload(seed: 5)
            workload.trendStartMs = start
            workload.anomaly = (now - 20 * Self.minute)..<(now - 8 * Self.minute)
            for minute in 0..<80 {
                let from = start + Int64(minute) * Self.minute
                try await append(workload.export(fromMs: from, toMs: from + Self.minute, perRoute: 60), to: store)
            }
            let engine = QueryEngine(store: store, configuration: .init(maxSeries: 100_000))
            let service = AnalysisService(analyzers: [AnomalyAnalyzer(engine: engine)], store: store, logger: Logger(label: "test"))
            let report = await service.runPass(nowMs: now, windowMs: 60 * Self.minute)
            #expect(report.failures.isEmpty)
            let spike = try #require(report.issues.first { $0.route == "/profile" && $0.evidence.contains("\"metric\":\"p95\"") })
            #expect(spike.impactMs >= 50)
            #expect(spike.severity == "critical")
            #expect(!spike.description.contains("stopped"))
        }
    }
}
