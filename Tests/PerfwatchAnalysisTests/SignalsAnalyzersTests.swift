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

/// Two days of `SignalsWorkload` traffic with its injected problems: a database-bound slow
/// route, sequential independent HTTP calls, a cache missing half the time, a two-hour
/// latency spike and a steadily growing route. A 24 h pass of the trend, anomaly and
/// bottleneck analyzers must find each with the right route and attribution, and leave the
/// control routes alone.
@Suite("Trend, anomaly and bottleneck analyzers on the signals workload")
struct SignalsAnalyzersTests {
    static let hour: Int64 = 3_600_000

    func loadedStore(_ directory: String, nowMs: Int64) async throws -> EmbeddedStore {
        let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
        var workload = SignalsWorkload(seed: 3)
        let start = nowMs / Self.hour * Self.hour - 48 * Self.hour
        // The spike: two hours in the middle of the last day.
        workload.anomaly = (start + 36 * Self.hour)..<(start + 38 * Self.hour)
        workload.trendStartMs = start
        for hour in 0..<48 {
            let from = start + Int64(hour) * Self.hour
            let request = workload.export(fromMs: from, toMs: from + Self.hour, perRoute: 60)
            var spans = try OTLPProtobufTraceDecoder().decode(try request.serializedBytes()).spans
            let derived = SpanDerivations.derive(from: &spans)
            _ = try await store.append(
                IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks(spans), derived: derived.points, statements: derived.statements))
        }
        return store
    }

    func service(_ store: EmbeddedStore) -> AnalysisService {
        let engine = QueryEngine(store: store, configuration: .init(maxSeries: 100_000))
        return AnalysisService(
            analyzers: [
                TrendAnalyzer(reader: TrendReader(engine: engine)), AnomalyAnalyzer(engine: engine),
                BottleneckAnalyzer(engine: engine, spans: store),
            ],
            store: store, logger: Logger(label: "test"))
    }

    @Test("each injected problem is found on its route, and the control routes are not flagged")
    func findsTheInjectedProblems() async throws {
        try await withTemporaryDirectory { directory in
            let now = TimeParsing.nowMs() / Self.hour * Self.hour
            let store = try await loadedStore(directory, nowMs: now)
            let report = await service(store).runPass(nowMs: now, windowMs: 24 * Self.hour)
            #expect(report.failures.isEmpty)
            let issues = try await store.issues(status: nil, type: nil, limit: 200)
            let byType = Dictionary(grouping: issues, by: \.type)
            for issue in issues { print("issue:", issue.type, issue.route, "—", issue.title) }

            let bottleneck = try #require(byType["bottleneck"]?.first { $0.route == "/reports" })
            #expect(bottleneck.title.contains("the database"))
            #expect(bottleneck.evidence.contains("\"category\":\"database\""))
            #expect(bottleneck.recommendation.contains("SELECT"))

            let parallel = try #require(byType["parallelizable"]?.first)
            #expect(byType["parallelizable"]?.count == 1)
            #expect(parallel.route == "/dashboard")
            #expect(parallel.title.contains("3 independent calls"))
            // Three ≈ 40 ms calls: running them together saves about two of them.
            #expect(parallel.impactMs > 60 && parallel.impactMs < 110)

            let cache = try #require(byType["cache_hit_ratio"]?.first)
            #expect(byType["cache_hit_ratio"]?.count == 1)
            #expect(cache.route == "/catalog")
            #expect(cache.evidence.contains("\"hitRatio\":0.") && cache.impactMs > 0)

            let anomalies = byType["anomaly"] ?? []
            let spike = try #require(anomalies.first { $0.route == "/profile" && $0.evidence.contains("\"metric\":\"p95\"") })
            #expect(spike.evidence.contains("\"windowStart\":\(now - 12 * Self.hour)"))
            #expect(spike.evidence.contains("\"windowEnd\":\(now - 10 * Self.hour)"))
            #expect(spike.title.contains("expected"))
            #expect(Set(anomalies.map(\.route)) == ["/profile"])

            let trend = try #require(byType["trend"]?.first)
            #expect(Set(byType["trend"]!.map(\.route)) == ["/export"])
            #expect(trend.title.contains("p95") && trend.title.contains("forecast"))

            // The controls are never flagged; the only other finding allowed is /export's own
            // code dominating its (slow) requests.
            let flagged = Set(issues.map(\.route))
            #expect(!flagged.contains("/home") && !flagged.contains("/cart"))
            #expect(Set(byType["bottleneck"]!.map(\.route)).isSubset(of: ["/reports", "/export"]))
        }
    }

    @Test("trends API reader: slope, change and forecast per route")
    func trendReader() async throws {
        try await withTemporaryDirectory { directory in
            let now = TimeParsing.nowMs() / Self.hour * Self.hour
            let store = try await loadedStore(directory, nowMs: now)
            let reader = TrendReader(engine: QueryEngine(store: store, configuration: .init(maxSeries: 100_000)))
            let trends = try await reader.trends(.p95, from: now - 24 * Self.hour, to: now, nowMs: now)
            let export = try #require(trends.first { $0.route == "/export" })
            // +20 ms an hour on the median; p95 grows a bit faster (the spread is multiplicative).
            #expect(export.slopePerHour > 15 && export.slopePerHour < 35)
            #expect(export.isSignificant)
            #expect((export.change ?? 0) > 0.3)
            let crossing = try #require(export.crossingMs)
            #expect(crossing > now && crossing < now + 7 * 86_400_000)
            let home = try #require(trends.first { $0.route == "/home" })
            #expect(abs(home.slopePerHour) < 1)
            #expect(abs(home.change ?? 1) < 0.2)
            let throughput = try await reader.trends(.throughput, from: now - 24 * Self.hour, to: now, nowMs: now)
            let homeRate = try #require(throughput.first { $0.route == "/home" })
            // 60 requests an hour.
            #expect(abs((homeRate.current ?? 0) - 60.0 / 3600) < 0.001)
        }
    }
}
