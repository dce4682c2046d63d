import PerfwatchAnalysis
import PerfwatchModel
import Testing

@Suite struct LabBudgetTests {
    func run(score: Int, lcp: Double, images: Double = 0, unusedItems: Int = 0) -> AuditRun {
        let opportunities = unusedItems == 0 ? [] : [
            Opportunity(id: "unused-javascript", title: "u", savingsBytes: 1000, items: (0..<unusedItems).map { OpportunityItem(url: "s\($0)", wastedBytes: 500, detail: "") })
        ]
        return AuditRun(
            score: score, metrics: AuditMetrics(fcpMs: 500, lcpMs: lcp, speedIndexMs: 800, tbtMs: 0, cls: 0, ttfbMs: 50), opportunities: opportunities,
            resourceSummary: ["image": .init(requests: 1, transferBytes: images), "total": .init(requests: 3, transferBytes: images + 1000)],
            requests: [
                WaterfallRow(url: "https://shop.example/a.js", type: "script", startMs: 0, endMs: 1, transferBytes: 100, status: 200, renderBlocking: false),
                WaterfallRow(url: "https://cdn.other/b.js", type: "script", startMs: 0, endMs: 1, transferBytes: 300, status: 200, renderBlocking: false),
            ],
            filmstrip: [], lcpElement: nil, longTasks: [], warnings: [], finalURL: "https://shop.example/cart", startedMs: 0, durationMs: 0)
    }

    func report(_ runs: [AuditRun]) -> AuditReport {
        AuditReport(
            url: "https://shop.example/cart", finalURL: "https://shop.example/cart", device: "desktop", runs: runs, medianRunIndex: 0,
            score: runs[0].score, metrics: runs[0].metrics, opportunities: [], resourceSummary: [:], requests: [], filmstrip: [], lcpElement: nil,
            longTasks: [], warnings: [], startedMs: 0, durationMs: 0, chromiumVersion: "")
    }

    @Test func aggregationPicksMedianBestOrWorstRun() throws {
        let audit = report([run(score: 50, lcp: 3000), run(score: 95, lcp: 1000), run(score: 80, lcp: 2000)])
        let text = """
            {"assertions": {
              "categories:performance": ["error", {"minScore": 0.9, "aggregationMethod": "median"}],
              "largest-contentful-paint": ["warn", {"maxNumericValue": 1500, "aggregationMethod": "pessimistic"}],
              "speed-index": ["error", {"maxNumericValue": 900}]
            }}
            """
        let results = try LabBudgetFile.parse(text, file: "lhci.json").evaluate(audit)
        #expect(results.map(\.actual) == [0.8, 3000, 800])
        #expect(results.map(\.passed) == [false, false, true])
        #expect(LabBudgetFile.failed(results))
        // Optimistic (the default) takes the best run: 0.95 passes.
        let optimistic = try LabBudgetFile.parse(#"{"assertions": {"categories:performance": ["error", {"minScore": 0.9}]}}"#, file: "o.json")
        #expect(!LabBudgetFile.failed(optimistic.evaluate(audit)))
    }

    @Test func warnOnlyFailuresDoNotFail() throws {
        let file = try LabBudgetFile.parse(#"{"assertions": {"largest-contentful-paint": ["warn", {"maxNumericValue": 10}]}}"#, file: "w.json")
        let results = file.evaluate(report([run(score: 50, lcp: 3000)]))
        #expect(!results[0].passed && !LabBudgetFile.failed(results))
    }

    @Test func budgetJSONInKiBWithThirdPartyAndLastMatchingPath() throws {
        let text = """
            [{"path": "/*", "resourceSizes": [{"resourceType": "image", "budget": 1}], "resourceCounts": [{"resourceType": "third-party", "budget": 0}]},
             {"path": "/cart$", "timings": [{"metric": "largest-contentful-paint", "budget": 2500}], "resourceSizes": [{"resourceType": "image", "budget": 10}]}]
            """
        let results = try LabBudgetFile.parse(text, file: "budget.json").evaluate(report([run(score: 90, lcp: 2000, images: 5 * 1024)]))
        // The first entry matches too but the last matching one applies: its checks have values, the first's none.
        #expect(results.map(\.actual) == [nil, nil, 2000, 5 * 1024])
        #expect(results.allSatisfy { $0.passed })
    }

    @Test func opportunityItemsAndSavings() throws {
        let file = try LabBudgetFile.parse(#"{"assertions": {"unused-javascript": "error", "render-blocking-resources": ["error", {"maxNumericValue": 0}]}}"#, file: "x.json")
        let results = file.evaluate(report([run(score: 90, lcp: 1, unusedItems: 2)]))
        #expect(results.map(\.actual) == [2, 0])
        #expect(results.map(\.passed) == [false, true])
    }

    @Test(arguments: [
        ("[\n {\"path\": \"/*\",\n  \"timings\": [{\"metric\": \"interactive\", \"budget\": 1}]}]", "b.json:3: [0].timings[0].metric: unknown metric \"interactive\""),
        ("[{\"path\": \"/*\", \"resourceSizes\": [\n {\"resourceType\": \"scripts\", \"budget\": 1}]}]", "b.json:2: [0].resourceSizes[0].resourceType: unknown resource type \"scripts\""),
        ("{\"assertions\": {\n\"first-meaningful-paint\": \"error\"}}", "b.json:2: assertions.first-meaningful-paint: unknown audit"),
        ("{\"assertions\": {\"speed-index\": [\n\"fatal\"]}}", "b.json:2: assertions.speed-index[0]: expected off, warn or error, got \"fatal\""),
        ("{\"assertions\": {\"speed-index\": [\"error\", {\n\"minscore\": 1}]}}", "b.json:2: assertions.speed-index[1].minscore: unknown option \"minscore\""),
        ("{\"assertions\": {\"unused-javascript\": [\"error\", {\"minScore\": 1}]}}", "unused-javascript does not take minScore"),
        ("{\"budgets\": []}", "expected a list (budget.json) or an object with \"assertions\""),
        ("[{", "b.json:1: not valid JSON"),
    ])
    func badFilesNameFileLineAndField(text: String, message: String) {
        do {
            _ = try LabBudgetFile.parse(text, file: "b.json")
            Issue.record("parsed: \(text)")
        } catch let error as PerfwatchError {
            #expect(error.message.contains(message), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
