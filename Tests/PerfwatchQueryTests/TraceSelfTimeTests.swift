import PerfwatchModel
import PerfwatchQuery
import Testing

@Suite("Trace self time")
struct TraceSelfTimeTests {
    static let ms: Int64 = 1_000_000

    func span(_ id: String, parent: String = "", start: Int64, duration: Int64) -> Span {
        Span(
            traceID: String(repeating: "a", count: 32), spanID: id, parentSpanID: parent, service: "api", name: id, kind: .internal,
            startNs: start * Self.ms, durationNs: duration * Self.ms)
    }

    @Test("a span's self time is its duration minus the union of its children inside it")
    func overlappingChildrenCountOnce() {
        let spans = [
            span("root", start: 0, duration: 40),
            span("db", parent: "root", start: 10, duration: 10),
            span("cache", parent: "root", start: 15, duration: 8),
            span("query", parent: "db", start: 12, duration: 3),
        ]
        #expect(TraceSelfTime.milliseconds(of: spans) == [27, 7, 8, 3])
    }

    @Test("children are clipped to their parent: before its start and after its end count for nothing")
    func childrenOutsideTheParentAreClipped() {
        let spans = [
            span("root", start: 10, duration: 20),
            span("early", parent: "root", start: 0, duration: 15),
            span("late", parent: "root", start: 25, duration: 30),
            span("outside", parent: "root", start: 40, duration: 5),
        ]
        // 20 ms minus 5 (early, from 10) and 5 (late, up to 30).
        #expect(TraceSelfTime.milliseconds(of: spans)[0] == 10)
    }

    @Test("a child that covers its parent leaves no self time; spans without children keep all of it")
    func fullyCoveredAndLeaves() {
        let spans = [span("root", start: 0, duration: 10), span("all", parent: "root", start: 0, duration: 10), span("other", start: 0, duration: 4)]
        #expect(TraceSelfTime.milliseconds(of: spans) == [0, 10, 4])
    }
}
