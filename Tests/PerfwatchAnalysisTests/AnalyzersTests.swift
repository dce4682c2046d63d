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

/// The demo workload has known problems: an N+1 on /courses/:id (12 lesson queries per
/// request), a slow leading-wildcard search, and release 1.5.0 making course pages slower.
/// The analyzers must find each with the right route and fingerprint, and flag nothing else.
@Suite("Analyzers on the demo workload")
struct AnalyzersTests {
    func loadedStore(_ directory: String, nowMs: Int64) async throws -> EmbeddedStore {
        let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
        var workload = DemoWorkload(seed: 11)
        let from = nowMs - 50 * 60_000
        for slice in 0..<10 {
            let start = from + Int64(slice) * 5 * 60_000
            let request = workload.export(count: 400, fromMs: start, toMs: start + 5 * 60_000, releaseSwitchMs: from + 25 * 60_000)
            var spans = try OTLPProtobufTraceDecoder().decode(try request.serializedBytes()).spans
            let derived = SpanDerivations.derive(from: &spans)
            _ = try await store.append(
                IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks(spans), derived: derived.points, statements: derived.statements))
        }
        return store
    }

    func service(_ store: EmbeddedStore) -> AnalysisService {
        let engine = QueryEngine(store: store, configuration: .init(maxSeries: 100_000))
        let statements: @Sendable ([String]) async throws -> [String: String] = { try await store.statements(fingerprints: $0) }
        return AnalysisService(
            analyzers: [
                NPlusOneAnalyzer(engine: engine, statements: statements), SlowQueryAnalyzer(engine: engine, statements: statements),
                ReleaseRegressionAnalyzer(
                    engine: engine, deployments: store,
                    detector: DeploymentDetector(engine: engine, deployments: store), statements: statements),
            ],
            store: store, logger: Logger(label: "test"))
    }

    @Test("finds the N+1, the slow query and the release regression — and nothing on clean routes")
    func findsTheInjectedProblems() async throws {
        try await withTemporaryDirectory { directory in
            let now = TimeParsing.nowMs()
            let store = try await loadedStore(directory, nowMs: now)
            let report = await service(store).runPass(nowMs: now)
            #expect(report.failures.isEmpty)
            let issues = try await store.issues(status: nil, type: nil, limit: 100)
            let byType = Dictionary(grouping: issues, by: \.type)

            let nPlusOne = try #require(byType["n_plus_one"]?.first)
            #expect(byType["n_plus_one"]?.count == 1)
            #expect(nPlusOne.route == "/courses/:id")
            #expect(nPlusOne.title.contains("12 times per request"))
            #expect(nPlusOne.description.contains("FROM lessons WHERE course_id = ?"))
            #expect(nPlusOne.recommendation.contains("one query") && nPlusOne.recommendation.contains("Expected p95"))

            let slow = try #require(byType["slow_query"]?.first)
            #expect(byType["slow_query"]?.count == 1)
            #expect(slow.description.contains("LIKE"))
            #expect(slow.recommendation.contains("full-text"))

            let regression = try #require(byType["regression"]?.first)
            #expect(regression.route == "/courses/:id")
            #expect(regression.title.contains("1.5.0"))
            // Clean routes are not flagged.
            #expect(Set(issues.map(\.route)).isSubset(of: ["/courses/:id", ""]))
        }
    }

    @Test("issues are deduplicated across passes, resolved after clean passes, and keep a person's status")
    func lifecycle() async throws {
        try await withTemporaryDirectory { directory in
            let now = TimeParsing.nowMs()
            let store = try await loadedStore(directory, nowMs: now)
            let analysis = service(store)
            _ = await analysis.runPass(nowMs: now)
            _ = await analysis.runPass(nowMs: now + 1000)
            let issues = try await store.issues(status: nil, type: nil, limit: 100)
            #expect(issues.count == 3)
            let slow = try #require(issues.first { $0.type == "slow_query" })
            _ = try await store.setIssueStatus(id: slow.id, .acknowledged, nowMs: now)
            // Two hours later the window holds no data: every issue clears, and resolves after 3 clean passes.
            for pass in 1...3 { _ = await analysis.runPass(nowMs: now + 2 * 3_600_000 + Int64(pass) * 60_000) }
            let resolved = try await store.issues(status: .resolved, type: nil, limit: 100)
            #expect(resolved.count == 3)
            #expect(resolved.allSatisfy { $0.resolvedMs != nil })
            // The problem returns: the issue reopens rather than duplicating.
            _ = await analysis.runPass(nowMs: now)
            #expect(try await store.issues(status: .open, type: nil, limit: 100).count == 3)
            #expect(try await store.issues(status: nil, type: nil, limit: 100).count == 3)
        }
    }
}
