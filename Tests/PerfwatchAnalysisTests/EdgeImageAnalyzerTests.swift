import Foundation
import Logging
import PerfwatchAnalysis
import PerfwatchEdgePolicy
import PerfwatchIngest
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// `edge_images` from the edge's spans (JPEGs sent as they came, one in five sampled as AVIF) and RUM's
/// image weight per page view.
@Suite("Edge analyzers: images")
struct EdgeImageAnalyzerTests {
    static func spans(nowMs: Int64) -> [Span] {
        var traffic = EdgeAnalyzersTests.Traffic(startMs: nowMs / 10_000 * 10_000 - 610_000)
        // 300 JPEGs of 100 KB under /img/ (30 MB); every 5th sampled: 12 KB as AVIF → 88% saved.
        traffic.add(route: "/img/photo.jpg", count: 300, ms: 8, upstreams: ["http://127.0.0.1:3000"]) { index in
            [
                "perfwatch.edge.content_type": "image/jpeg", "perfwatch.edge.bytes_out": "100000",
                "perfwatch.edge.avif_bytes": index % 5 == 0 ? "12000" : nil,
            ].compactMapValues { $0 }
        }
        // Already AVIF: nothing to propose, however heavy.
        traffic.add(service: "modern", route: "/img/photo.avif", count: 300, ms: 8, upstreams: ["http://127.0.0.1:3000"]) { _ in
            ["perfwatch.edge.content_type": "image/avif", "perfwatch.edge.bytes_out": "30000"]
        }
        // Heavy JPEGs, but only 2 samples: too few to estimate from.
        traffic.add(service: "unsampled", route: "/photos/a.jpg", count: 100, ms: 8, upstreams: ["http://127.0.0.1:3000"]) { index in
            [
                "perfwatch.edge.content_type": "image/jpeg", "perfwatch.edge.bytes_out": "100000",
                "perfwatch.edge.avif_bytes": index < 2 ? "10000" : nil,
            ].compactMapValues { $0 }
        }
        // Sampled, but AVIF saves only 10% (already well compressed).
        traffic.add(service: "tight", route: "/logo.png", count: 100, ms: 8, upstreams: ["http://127.0.0.1:3000"]) { index in
            [
                "perfwatch.edge.content_type": "image/png", "perfwatch.edge.bytes_out": "50000",
                "perfwatch.edge.avif_bytes": index % 5 == 0 ? "45000" : nil,
            ].compactMapValues { $0 }
        }
        return traffic.spans
    }

    @Test("JPEGs with a sampled AVIF saving become one edge_images issue with the image rule to apply and RUM's page weight; AVIF, unsampled and tight images do not")
    func recommendation() async throws {
        try await withTemporaryDirectory { directory in
            let now = TimeParsing.nowMs()
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            var spans = Self.spans(nowMs: now)
            let derived = SpanDerivations.derive(from: &spans)
            var points = derived.points.points
            for (index, time) in stride(from: now - 600_000, to: now, by: 10_000).enumerated() {
                for (page, bytes) in [("/gallery", 2_300_000.0), ("/about", 150_000.0)] {
                    points.append(
                        MetricPoint(
                            series: SeriesKey(metric: "rum.resource.bytes", labels: Labels(["page": page, "device": "desktop", "release": "", "type": "image"])),
                            kind: .distribution, unit: "bytes", sample: Sample(timeMs: time, value: bytes + Double(index % 3) * 1000)))
                }
            }
            _ = try await store.append(points)
            let engine = QueryEngine(store: store, configuration: .init(maxSeries: 100_000))
            let analysis = AnalysisService(analyzers: [EdgeImageAnalyzer(engine: engine)], store: store, logger: Logger(label: "test"))
            let report = await analysis.runPass(nowMs: now)
            #expect(report.failures.isEmpty)
            let issues = try await store.issues(status: nil, type: nil, limit: 100)
            #expect(issues.map(\.service) == ["edge"])
            let issue = try #require(issues.first)
            #expect(issue.type == "edge_images" && issue.route == "")
            #expect(issue.title == "Images under /img/* are served as JPEG: AVIF at the same width saves 88%")
            #expect(issue.description.contains("60 of them transcoded to AVIF"))
            #expect(issue.description.contains("per view of /gallery at p75 (RUM)"))
            #expect(issue.recommendation.hasSuffix("Applying it publishes: serve /img/* as avif, webp at 640, 1280, 1920 px."))
            let evidence = try #require(try JSONSerialization.jsonObject(with: Data(issue.evidence.utf8)) as? [String: Any])
            #expect(evidence["match"] as? String == "/img/*")
            #expect(evidence["imageBytes"] as? Double == 30_000_000)
            #expect(abs((evidence["pageImageBytesP75"] as? Double ?? 0) - 2_302_000) < 30_000)
            let start = try #require(issue.evidence.range(of: #""policy_change":"#))
            let change = try EdgePolicyChange.parse(json: Array(issue.evidence[start.upperBound...].dropLast().utf8), what: "policy_change")
            #expect(change == EdgePolicyChange(images: [ImageRule(match: "/img/*")]))
        }
    }

    @Test("the rule covers the images' directory; an image at the root is named as it is")
    func match() {
        #expect(EdgeImageAnalyzer.match(covering: ["/img/products/a.jpg", "/img/b.jpg"]) == "/img/products/*")
        #expect(EdgeImageAnalyzer.match(covering: ["/logo.png"]) == "/logo.png")
    }
}
