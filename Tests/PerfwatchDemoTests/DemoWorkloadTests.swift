import PerfwatchDemo
import PerfwatchIngest
import PerfwatchModel
import SwiftProtobuf
import Testing

@Suite("Demo workload")
struct DemoWorkloadTests {
    @Test("the demo traffic has the N+1 route, the slow query, errors and two releases, and decodes as real OTLP")
    func shape() throws {
        var workload = DemoWorkload(seed: 7)
        let from: Int64 = 1_795_000_000_000
        let request = workload.export(count: 2000, fromMs: from, toMs: from + 600_000, releaseSwitchMs: from + 300_000)
        let bytes: [UInt8] = try request.serializedBytes()
        let decoded = try OTLPProtobufTraceDecoder().decode(bytes)
        #expect(decoded.rejected == 0)
        var spans = decoded.spans
        let roots = spans.filter { $0.parentSpanID.isEmpty }
        #expect(roots.count == 2000)
        #expect(Set(roots.map(\.route)).count == DemoWorkload.routes.count)
        #expect(Set(roots.compactMap { $0.resource["service.version"] }) == Set(DemoWorkload.releases))

        let derived = SpanDerivations.derive(from: &spans)
        // N+1: every course page runs the lesson query 12 times, folded into one fingerprint.
        let lessonFingerprints = derived.statements.filter { $0.value.contains("FROM lessons WHERE course_id") }
        #expect(lessonFingerprints.count == 1)
        let coursePages = roots.filter { $0.route == "/courses/:id" }
        let lessonPoints = derived.points.points.filter { $0.series.labels["fingerprint"] == lessonFingerprints.keys.first }
        #expect(lessonPoints.filter { $0.series.metric == "db.query.duration" }.count == coursePages.count * 12)
        #expect(Set(lessonPoints.filter { $0.series.metric == "db.query.calls_per_trace" }.map(\.sample.value)) == [12])
        // The slow query stays slow.
        let search = roots.filter { $0.route == "/search" }.map(\.durationMs).sorted()
        #expect(search[search.count / 2] > 250)
        // Checkout fails sometimes, and the failures carry a 5xx status and an exception event.
        let failures = roots.filter { $0.isError }
        #expect(!failures.isEmpty)
        #expect(failures.allSatisfy { $0.attributes["http.response.status_code"] == "500" && $0.events.first?.name == "exception" })
    }
}
