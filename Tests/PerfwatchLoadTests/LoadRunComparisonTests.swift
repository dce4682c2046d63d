import Foundation
import PerfwatchStatistics
import Testing

@Suite struct LoadRunComparisonTests {
    func decode(_ text: String) throws -> LoadRunHistograms {
        try JSONDecoder().decode(LoadRunHistograms.self, from: Data(text.utf8))
    }

    @Test func readsHistogramsLenientlyFromAReport() throws {
        let report = try decode(#"""
            {"name":"smoke","requests":[{"name":"home","count":2,"histogram":[[1000,1],[2000,1]]},{"count":1},5,
            {"name":"old","count":1},{"name":"bad","histogram":[[1,2,3],[5,1]]}],"total":{"histogram":[[1000,3]]}}
            """#)
        #expect(report.requests.map(\.name) == ["home", "old", "bad"])
        #expect(report.requests[0].histogram == [.init(valueMicros: 1000, count: 1), .init(valueMicros: 2000, count: 1)])
        #expect(report.requests[1].histogram.isEmpty)
        #expect(report.requests[2].histogram == [.init(valueMicros: 5, count: 1)], "pairs that are not [value, count] are dropped")
        #expect(report.total == [.init(valueMicros: 1000, count: 3)])
        #expect(try decode(#"{"requests":[]}"#).total == nil)
    }

    @Test func comparesNamesBothRunsHaveInBaselineOrderThenAll() throws {
        let fast = (1...200).map { ComparisonStatistics.Bucket(valueMicros: UInt64(10_000 + $0 * 10), count: 1) }
        let slow = fast.map { ComparisonStatistics.Bucket(valueMicros: $0.valueMicros * 2, count: 1) }
        let baseline = LoadRunHistograms(
            requests: [.init(name: "checkout", histogram: fast), .init(name: "gone", histogram: fast), .init(name: "home", histogram: fast)],
            total: fast)
        let candidate = LoadRunHistograms(
            requests: [.init(name: "home", histogram: fast), .init(name: "checkout", histogram: slow), .init(name: "new", histogram: fast)],
            total: slow)
        let entries = LoadRunComparison.compare(baseline: baseline, candidate: candidate)
        #expect(entries.map(\.name) == ["checkout", "home", "all"])
        #expect(entries[0].comparison == ComparisonStatistics.compare(baseline: fast, candidate: slow))
        #expect(entries[0].comparison.mannWhitney?.significant == true)
        #expect(entries[1].comparison.mannWhitney?.significant == false)
        #expect(LoadRunComparison.compare(baseline: baseline, candidate: LoadRunHistograms(requests: [], total: nil)).isEmpty)
    }

    @Test func anEmptyRunLeavesTheTestAndUnboundedLimitsOut() throws {
        let result = ComparisonStatistics.compare(baseline: [], candidate: [.init(valueMicros: 1000, count: 1)])
        let text = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(!text.contains("mannWhitney"))
        let few = ComparisonStatistics.compare(baseline: [.init(valueMicros: 1000, count: 5)], candidate: [.init(valueMicros: 1000, count: 5)])
        let interval = String(decoding: try JSONEncoder().encode(few.percentiles[2].baselineInterval), as: UTF8.self)
        #expect(!interval.contains("upper"), "p99 of 5 requests has no upper bound")
    }
}
