import PerfwatchForwarding
import Testing

@Suite("Forwarding metric name filters")
struct MetricNameFilterTests {
    @Test func includesAndExcludes() {
        let filter = MetricNameFilter(patterns: ["http_*", "db.?ool", "!http_debug_*"])
        #expect(filter.allows("http_requests_total"))
        #expect(filter.allows("db.pool"))
        #expect(!filter.allows("db.spool"))
        #expect(!filter.allows("http_debug_hits"))
        #expect(!filter.allows("process_cpu"))
    }

    @Test func noPatternsAllowsAllAndExcludesAlone() {
        #expect(MetricNameFilter().allows("anything"))
        let filter = MetricNameFilter(patterns: ["!debug_*"])
        #expect(filter.allows("http_requests_total"))
        #expect(!filter.allows("debug_x"))
    }

    @Test func starsBacktrack() {
        let filter = MetricNameFilter(patterns: ["*a*b*c"])
        #expect(filter.allows("xxaxxbxxbxc"))
        #expect(!filter.allows("xxaxxcxxb"))
        #expect(MetricNameFilter(patterns: ["*"]).allows(""))
    }
}
