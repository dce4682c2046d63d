import Foundation
import Logging
import PerfwatchAnalysis
import PerfwatchDemo
import PerfwatchIngest
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStatistics
import PerfwatchStorage
import PerfwatchTesting
import SwiftProtobuf
import Testing

/// The analysis scenario's known changes: release 1.2.0 slows GET /orders/:id through one
/// query, an index speeds GET /reports up, GET /products and POST /cart never change. The
/// deploy must be detected, the regression found on the right route with the right query as
/// its cause, the optimization validated as `improved`, and the controls left alone.
@Suite("Deploys, regressions and optimizations on the analysis scenario")
struct DeploymentRegressionTests {
    /// Minute-aligned, so the deploy falls on a bucket boundary.
    let now = TimeParsing.nowMs() / 60_000 * 60_000
    var deployMs: Int64 { now - 105 * 60_000 }
    var optimizationMs: Int64 { now - 40 * 60_000 }

    func loadedStore(_ directory: String) async throws -> EmbeddedStore {
        let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
        var scenario = AnalysisScenario(deployMs: deployMs, optimizationMs: optimizationMs, seed: 3)
        let from = now - 150 * 60_000
        for slice in 0..<30 {
            let start = from + Int64(slice) * 5 * 60_000
            let request = scenario.export(count: 200, fromMs: start, toMs: start + 5 * 60_000)
            var spans = try OTLPProtobufTraceDecoder().decode(try request.serializedBytes()).spans
            let derived = SpanDerivations.derive(from: &spans)
            _ = try await store.append(
                IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks(spans), derived: derived.points, statements: derived.statements))
        }
        return store
    }

    struct Parts {
        let analysis: AnalysisService
        let regressions: ReleaseRegressionAnalyzer
        let validator: OptimizationValidator
    }

    func parts(_ store: EmbeddedStore) -> Parts {
        let engine = QueryEngine(store: store, configuration: .init(maxSeries: 100_000))
        let statements: @Sendable ([String]) async throws -> [String: String] = { try await store.statements(fingerprints: $0) }
        let regressions = ReleaseRegressionAnalyzer(
            engine: engine, deployments: store, detector: DeploymentDetector(engine: engine, deployments: store),
            statements: statements)
        let validator = OptimizationValidator(engine: engine, optimizations: store, issues: store)
        let analysis = AnalysisService(
            analyzers: [
                NPlusOneAnalyzer(engine: engine, statements: statements), SlowQueryAnalyzer(engine: engine, statements: statements),
                regressions, validator,
            ],
            store: store, logger: Logger(label: "test"))
        return Parts(analysis: analysis, regressions: regressions, validator: validator)
    }

    @Test("detects the deploy of 1.2.0 and finds the regression with its root cause — nothing on the controls")
    func regressionWithRootCause() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await loadedStore(directory)
            let parts = parts(store)
            let report = await parts.analysis.runPass(nowMs: now, windowMs: 150 * 60_000)
            #expect(report.failures.isEmpty)

            let deployments = try await store.deployments(service: nil, from: 0, to: now, limit: 100)
            #expect(deployments.count == 1)
            let deployment = try #require(deployments.first)
            #expect(deployment.service == AnalysisScenario.service && deployment.version == "1.2.0" && deployment.source == .detected)
            #expect(abs(deployment.timeMs - deployMs) <= 10_000)

            let issues = try await store.issues(status: nil, type: nil, limit: 100)
            let regressions = issues.filter { $0.type == "regression" }
            #expect(regressions.count == 1)
            let regression = try #require(regressions.first)
            #expect(regression.route == AnalysisScenario.regressedRoute)
            #expect(regression.title.contains("1.2.0") && regression.title.contains("slower"))
            #expect(regression.description.contains("Root cause: `SELECT * FROM order_items WHERE order_id = ?`"))
            #expect(regression.description.contains("Mann–Whitney p < 0.001"))
            #expect(regression.description.contains("Error rate 0.00% → 0.00% (unchanged)"))
            #expect(regression.recommendation.contains("same number of calls") && regression.recommendation.contains("EXPLAIN ANALYZE"))
            let evidence = try #require(try JSONSerialization.jsonObject(with: Data(regression.evidence.utf8)) as? [String: Any])
            let rootCause = try #require(evidence["rootCause"] as? [[String: Any]])
            let top = try #require(rootCause.first)
            #expect((top["statement"] as? String)?.contains("order_items") == true)
            // 4 ms → 40 ms, one call per request: about +36 ms per request, nearly all of the mean's growth.
            let delta = try #require(top["deltaMs"] as? Double)
            #expect(delta > 28 && delta < 46)
            #expect((top["shareOfMeanIncrease"] as? Double ?? 0) > 0.8)
            // One call per request on both sides (traces cut at a window edge may tip it by a hair).
            #expect(abs((top["callsPerRequestBefore"] as? Double ?? 0) - 1) < 0.02)
            #expect(abs((top["callsPerRequestAfter"] as? Double ?? 0) - 1) < 0.02)
            #expect((evidence["pValue"] as? Double ?? 1) < 0.001)
            // The clean controls are not flagged by any analyzer.
            for control in AnalysisScenario.controlRoutes { #expect(!issues.contains { $0.route == control }) }

            // The deploy's impact lists the regression; the controls and the (later) optimized route are unchanged.
            let impact = try await parts.regressions.impact(of: deployment, nowMs: now)
            #expect(impact.beforeFromMs == deployment.timeMs - 3_600_000 && impact.afterToMs == deployment.timeMs + 3_600_000)
            let verdicts = Dictionary(uniqueKeysWithValues: impact.routes.map { ($0.route, $0.comparison.verdict) })
            #expect(verdicts[AnalysisScenario.regressedRoute] == .regressed)
            for control in AnalysisScenario.controlRoutes + [AnalysisScenario.optimizedRoute] { #expect(verdicts[control] == .noChange) }
        }
    }

    @Test("edge optimizations are judged by what they are for too: fewer bytes per response, fewer upstream requests/s")
    func edgeImpactFigures() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await loadedStore(directory)
            // The edge's own metrics on /products (whose p95 never changes): a request every 10 s; after the change
            // its bodies are 30% of their size, and 9 in 10 come from the cache.
            var points: [MetricPoint] = []
            for (index, time) in stride(from: optimizationMs - 60 * 60_000, to: now, by: 10_000).enumerated() {
                let after = time >= optimizationMs
                let route = ["service": AnalysisScenario.service, "route": "/products"]
                points.append(
                    MetricPoint(
                        series: SeriesKey(metric: "edge.bytes_out", labels: Labels(route.merging(["content_type": "application/json"]) { a, _ in a })),
                        kind: .counter, unit: "By", sample: Sample(timeMs: time, value: after ? 3_000 : 10_000)))
                points.append(
                    MetricPoint(
                        series: SeriesKey(
                            metric: "edge.request.duration",
                            labels: Labels(route.merging(["cache": after && index % 10 != 0 ? "HIT" : "MISS"]) { a, _ in a })),
                        kind: .distribution, unit: "ms", sample: Sample(timeMs: time, value: 20)))
            }
            _ = try await store.append(points)
            let compression = try await store.addOptimization(
                PerformanceOptimization(
                    type: "edge_compression", description: "compress", service: AnalysisScenario.service, route: "/products",
                    createdMs: optimizationMs, appliedMs: optimizationMs))
            let cache = try await store.addOptimization(
                PerformanceOptimization(
                    type: "edge_cache", description: "cache /products", service: AnalysisScenario.service, route: "/products",
                    createdMs: optimizationMs, appliedMs: optimizationMs))
            _ = await parts(store).analysis.runPass(nowMs: now - 10 * 60_000, windowMs: 20 * 60_000)

            let compressed = try #require(try await store.optimization(id: compression.id)?.impact)
            #expect(compressed.verdict == .improved)  // p95 did not move; the bytes did
            // Counter sums and distribution counts meet the window's edges at bucket granularity: within 5%.
            let bytesBefore = try #require(compressed.bytesPerResponseBefore)
            let bytesAfter = try #require(compressed.bytesPerResponseAfter)
            #expect(abs(bytesBefore - 10_000) < 500 && abs(bytesAfter - 3_000) < 150, "bytes per response \(bytesBefore) → \(bytesAfter)")
            #expect(compressed.upstreamPerSecondBefore == nil)
            let cached = try #require(try await store.optimization(id: cache.id)?.impact)
            #expect(cached.verdict == .improved)
            let before = try #require(cached.upstreamPerSecondBefore)
            let after = try #require(cached.upstreamPerSecondAfter)
            #expect(abs(before - 0.1) < 0.01 && after < 0.02, "upstream requests/s \(before) → \(after)")
            #expect(cached.bytesPerResponseBefore == nil)
        }
    }

    @Test("an image optimization is judged by what browsers saw too: image bytes per page view, and LCP — worse LCP is regressed")
    func imageOptimizationJudgedByBrowsers() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await loadedStore(directory)
            // The edge's image bytes fall to a fifth; RUM page views every 10 s: image bytes per view 2 MB → 400 KB,
            // but LCP 1.2 s → 2.4 s (a change that made the page slower to show, whatever it saved).
            var points: [MetricPoint] = []
            for time in stride(from: optimizationMs - 60 * 60_000, to: now, by: 10_000) {
                let after = time >= optimizationMs
                let page = Labels(["page": "/gallery", "device": "desktop", "release": ""])
                points.append(
                    MetricPoint(
                        series: SeriesKey(
                            metric: "edge.bytes_out", labels: Labels(["service": AnalysisScenario.service, "route": "/img/a.jpg", "content_type": "image/jpeg"])),
                        kind: .counter, unit: "By", sample: Sample(timeMs: time, value: after ? 20_000 : 100_000)))
                points.append(
                    MetricPoint(
                        series: SeriesKey(metric: "edge.request.duration", labels: Labels(["service": AnalysisScenario.service, "route": "/img/a.jpg", "cache": "NONE"])),
                        kind: .distribution, unit: "ms", sample: Sample(timeMs: time, value: 20)))
                points.append(
                    MetricPoint(
                        series: SeriesKey(metric: "rum.resource.bytes", labels: page.adding("type", "image")), kind: .distribution, unit: "bytes",
                        sample: Sample(timeMs: time, value: after ? 400_000 : 2_000_000)))
                points.append(
                    MetricPoint(
                        series: SeriesKey(metric: "rum.lcp", labels: page), kind: .distribution, unit: "ms",
                        sample: Sample(timeMs: time, value: (after ? 2_400 : 1_200) + Double(time / 10_000 % 7) * 10)))
            }
            _ = try await store.append(points)
            let images = try await store.addOptimization(
                PerformanceOptimization(
                    type: "edge_images", description: "serve /img/* as AVIF", service: AnalysisScenario.service, route: "",
                    createdMs: optimizationMs, appliedMs: optimizationMs))
            _ = await parts(store).analysis.runPass(nowMs: now - 10 * 60_000, windowMs: 20 * 60_000)
            let impact = try #require(try await store.optimization(id: images.id)?.impact)
            #expect(impact.verdict == .regressed)
            let (bytesBefore, bytesAfter) = (try #require(impact.imageBytesPerPageBefore), try #require(impact.imageBytesPerPageAfter))
            #expect(abs(bytesBefore - 2_000_000) < 30_000 && abs(bytesAfter - 400_000) < 6_000, "\(bytesBefore) → \(bytesAfter)")
            let (lcpBefore, lcpAfter) = (try #require(impact.lcpP75Before), try #require(impact.lcpP75After))
            #expect(abs(lcpBefore - 1_250) < 30 && abs(lcpAfter - 2_450) < 40, "LCP p75 \(lcpBefore) → \(lcpAfter)")
            #expect(try #require(impact.bytesPerResponseAfter) < 0.5 * (impact.bytesPerResponseBefore ?? 0))
            #expect(OptimizationValidator.regressionEvidence(impact).contains(", LCP p75 "))
        }
    }

    @Test("an applied optimization is validated as improved and resolves its issue; a no-op is no_change")
    func optimizationValidated() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await loadedStore(directory)
            let parts = parts(store)
            // Before the index: the report query is a slow-query issue.
            _ = await parts.analysis.runPass(nowMs: optimizationMs, windowMs: 60 * 60_000)
            let slow = try #require(try await store.issues(status: .open, type: "slow_query", limit: 10).first)
            #expect(slow.description.contains("FROM orders WHERE shop_id = ?"))

            let fix = try await store.addOptimization(
                PerformanceOptimization(
                    issueID: slow.id, type: "index", description: "index orders (shop_id, day)", service: AnalysisScenario.service,
                    route: AnalysisScenario.optimizedRoute, createdMs: optimizationMs, appliedMs: optimizationMs))
            let noOp = try await store.addOptimization(
                PerformanceOptimization(
                    type: "cache", description: "cache headers on products", service: AnalysisScenario.service, route: "/products",
                    createdMs: optimizationMs, appliedMs: optimizationMs))
            let tooEarly = try await store.addOptimization(
                PerformanceOptimization(
                    type: "cache", description: "applied 5 min ago", service: AnalysisScenario.service, route: "/cart",
                    createdMs: now - 5 * 60_000, appliedMs: now - 5 * 60_000))

            // 30 min later the slow query has cleared from the window, and 30 min of data follow the change.
            _ = await parts.analysis.runPass(nowMs: now - 10 * 60_000, windowMs: 20 * 60_000)
            let validated = try #require(try await store.optimization(id: fix.id)?.impact)
            #expect(validated.verdict == .improved)
            #expect(validated.changePct < -50 && validated.pValue < 0.001)
            #expect(validated.before > 120 && validated.after < 80)
            #expect(validated.requestsAfter >= 100)
            #expect(try await store.issue(id: slow.id)?.status == .resolved)
            #expect(try await store.optimization(id: noOp.id)?.impact?.verdict == .noChange)
            // Not enough time since the change yet: still pending, no verdict invented.
            #expect(try await store.optimization(id: tooEarly.id)?.impact == nil)
            #expect(try await store.pendingOptimizations().map(\.id) == [tooEarly.id])
        }
    }

    @Test("a marked deploy is not detected again, and a nearby deploy shortens the windows")
    func markedDeploysAndNeighbours() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await loadedStore(directory)
            let parts = parts(store)
            let marked = try await store.addDeployment(
                Deployment(service: AnalysisScenario.service, version: "1.2.0", environment: "prod", timeMs: deployMs, description: "orders v2"))
            // A config-only deploy 20 min later: the windows around 1.2.0 stop there.
            _ = try await store.addDeployment(Deployment(service: AnalysisScenario.service, version: "1.2.0-config", timeMs: deployMs + 20 * 60_000))
            _ = await parts.analysis.runPass(nowMs: now, windowMs: 150 * 60_000)
            let all = try await store.deployments(service: AnalysisScenario.service, from: 0, to: now, limit: 100)
            #expect(all.count == 2 && all.allSatisfy { $0.source == .api })
            let impact = try await parts.regressions.impact(of: marked, nowMs: now)
            #expect(impact.afterToMs == deployMs + 20 * 60_000 - 1)
            #expect(impact.beforeFromMs == deployMs - (20 * 60_000 - 1))
            #expect(impact.routes.first { $0.route == AnalysisScenario.regressedRoute }?.comparison.verdict == .regressed)
            // A deploy with no room on one side is not compared, and says why.
            let recent = try await store.addDeployment(Deployment(service: AnalysisScenario.service, version: "1.3.0", timeMs: now - 30_000))
            let tooRecent = try await parts.regressions.impact(of: recent, nowMs: now)
            #expect(tooRecent.routes.isEmpty && tooRecent.note?.contains("not compared") == true)
        }
    }

    @Test("the root cause says when CPU and the error rate moved with the regression, and when memory did not")
    func signalsThatMoved() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await loadedStore(directory)
            // The service's own gauges, every 10 s: CPU 20 % → 65 % at the deploy, memory flat at 400 MB.
            var points: [MetricPoint] = []
            for time in stride(from: deployMs - 60 * 60_000, to: deployMs + 60 * 60_000, by: 10_000) {
                let labels = Labels(["service": AnalysisScenario.service])
                points.append(
                    MetricPoint(
                        series: SeriesKey(metric: "process.cpu.percent", labels: labels), kind: .gauge, unit: "%",
                        sample: Sample(timeMs: time, value: time < deployMs ? 20 : 65)))
                points.append(
                    MetricPoint(
                        series: SeriesKey(metric: "process.memory.rss_bytes", labels: labels), kind: .gauge, unit: "bytes",
                        sample: Sample(timeMs: time, value: 400e6)))
                // One failed request a minute on the regressed route after the deploy, none before.
                if time >= deployMs && time % 60_000 == 0 {
                    points.append(
                        MetricPoint(
                            series: SeriesKey(
                                metric: "http.server.errors",
                                labels: Labels(["service": AnalysisScenario.service, "route": AnalysisScenario.regressedRoute])),
                            kind: .counter, sample: Sample(timeMs: time, value: 1)))
                }
            }
            _ = try await store.append(points)
            _ = await parts(store).analysis.runPass(nowMs: now, windowMs: 150 * 60_000)
            let regression = try #require(try await store.issues(status: nil, type: "regression", limit: 10).first)
            #expect(regression.description.contains("CPU 20% → 65% (moved at the same time)"))
            #expect(regression.description.contains("memory (RSS) 400 MB → 400 MB (unchanged)"))
            #expect(regression.description.contains("Error rate 0.00% → "))
            #expect(regression.recommendation.contains("The error rate moved at the same time"))
            let evidence = try #require(try JSONSerialization.jsonObject(with: Data(regression.evidence.utf8)) as? [String: Any])
            let signals = try #require(evidence["signals"] as? [String: [String: Any]])
            #expect(signals["cpu_percent"]?["moved"] as? Bool == true)
            #expect(signals["memory_rss_bytes"]?["moved"] as? Bool == false)
            #expect(signals["error_rate"]?["moved"] as? Bool == true)
        }
    }

    @Test("merged sketch bins of a range hold exactly the range's requests")
    func sketchBinsCountMatches() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await loadedStore(directory)
            let engine = QueryEngine(store: store)
            let from = now - 60 * 60_000
            let to = now - 1
            let bins = try await engine.sketches(
                "http.server.duration", by: ["route"], filters: [TagFilter(key: "service", value: AnalysisScenario.service)], from: from,
                to: to, nowMs: now)
            let counts = try await engine.table("http.server.duration", [.count], by: ["route"], from: from, to: to, nowMs: now)[0]
            #expect(bins.count == 4)
            for (labels, distribution) in bins {
                #expect(distribution.bins.reduce(0) { $0 + $1.count } == distribution.count)
                #expect(Double(distribution.count) == counts[labels])
            }
        }
    }
}
