import Foundation
import PerfwatchPromQL
import Testing

/// Every `testdata/*.test` file in Prometheus' test-script format is one test case.
@Suite struct ConformanceTests {
    static let testdata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: testdata.path)) ?? []).filter { $0.hasSuffix(".test") }.sorted()
    }

    @Test func thereAreTestFiles() {
        #expect(Self.files.count >= 8)
    }

    @Test(arguments: files)
    func conformance(_ file: String) async throws {
        let script = try PromQLTestScript(path: Self.testdata.appendingPathComponent(file).path)
        let (failures, evaluations) = await script.run()
        #expect(evaluations > 0, "\(file) evaluates nothing")
        for failure in failures { Issue.record("\(failure)") }
    }

    /// The runner itself must notice wrong answers, or every file above would pass vacuously.
    @Test func runnerReportsWrongValuesMissingSeriesAndMissingErrors() async {
        let script = PromQLTestScript(name: "self.test", text: """
            load 1m
              up{job="a"} 1+1x5

            eval instant at 2m up
              up{job="a"} 4

            eval instant at 2m up
              up{job="b"} 3

            eval_fail instant at 2m up

            eval instant at 2m up
              up{job="a"} 3

            eval range from 0 to 2m step 1m up
              up{job="a"} 1 _ 3

            eval range from 1m to 2m step 1m up
              up{job="a"} 2 3

            eval range from 0 to 3m step 1m up > 2
              up{job="a"} _ 3 4 _
            """)
        let (failures, evaluations) = await script.run()
        #expect(evaluations == 7)
        #expect(failures.map(\.line) == [4, 7, 10, 15, 21])
    }

    @Test func seriesNotation() throws {
        #expect(try PromQLTestScript.expand("1+2x3") == [1, 3, 5, 7])
        #expect(try PromQLTestScript.expand("10-1x2") == [10, 9, 8])
        #expect(try PromQLTestScript.expand("-1-1x2") == [-1, -2, -3])
        #expect(try PromQLTestScript.expand("5x2") == [5, 5, 5])
        #expect(try PromQLTestScript.expand("_x3") == [nil, nil, nil])
        #expect(try PromQLTestScript.expand("1e3+1e2x1") == [1000, 1100])
        let stale = try PromQLTestScript.expand("stale")
        #expect(stale.count == 1 && StaleMarker.isStale(stale[0]!))
        let (labels, values) = try PromQLTestScript.parseSeriesLine("foo{a=\"b c\", d=\"e\"} 1 _ 2")
        #expect(labels == Labels(["__name__": "foo", "a": "b c", "d": "e"]))
        #expect(values == [1, nil, 2])
    }
}
