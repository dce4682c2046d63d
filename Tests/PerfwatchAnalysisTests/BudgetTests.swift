import PerfwatchAnalysis
import PerfwatchModel
import Testing

/// `perfwatch budget check`: the file (read by the one configuration reader) and the evaluation
/// (which series, statistic and filters each check reads), without a server.
@Suite("Budgets")
struct BudgetTests {
    /// Answers from a table keyed by "metric stat filters", and records what was asked.
    final class FakeSource: BudgetDataSource {
        var answers: [String: Double]
        var asked: [String] = []
        init(_ answers: [String: Double]) { self.answers = answers }
        func value(_ metric: String, _ stat: String, _ filters: [String], _ windowMs: Int64) async throws -> Double? {
            let key = "\(metric) \(stat) \(filters.joined(separator: ","))"
            asked.append(key + " \(windowMs)")
            return answers[key]
        }
    }

    static let file = """
        window: 30m
        budgets:
          - {route: /courses/:id, service: web, p95: 300ms, error_rate: 1%}
          - page: /checkout
            lcp: 2.5s
            js: 500KB
        """

    @Test("the file: window, scopes and limits in each check's unit")
    func parsesTheFile() throws {
        let budgets = try BudgetFile.parse(Self.file, file: "budgets.yml")
        #expect(budgets.windowMs == 1_800_000)
        #expect(budgets.budgets.map(\.scope) == [.route("/courses/:id", service: "web"), .page("/checkout")])
        #expect(budgets.budgets.map { $0.limits.map(\.name) } == [["p95", "error_rate"], ["lcp", "js"]])
        #expect(budgets.budgets.map { $0.limits.map(\.limit) } == [[300, 0.01], [2500, 500_000]])
        #expect(try BudgetFile.parse("budgets: [{route: /a, p99: 1h30m, p50: 250us}]").budgets[0].limits.map(\.limit) == [5_400_000, 0.25])
    }

    @Test("errors name file, line and field", arguments: [
        ("budgets:\n  - route: /courses\n    p95: fast\n", "budgets.yml:3: budgets[0].p95: expected a duration like 300ms or 2.5s, got 'fast'"),
        ("budgets:\n  - {route: /x, p96: 1s}\n", "budgets.yml:2: budgets[0].p96: unknown key \"p96\"; valid keys: route, service, p50, p95, p99, error_rate, missing"),
        ("budgets:\n  - {page: /x, lcp: 1s, missing: maybe}\n", "budgets.yml:2: budgets[0].missing: expected ok (no data passes) or fail (the default), got 'maybe'"),
        ("window: 5\n", "budgets.yml:1: window: expected a duration like 500ms, 1.5s, 5m or 1h30m, got \"5\" (\"5\" has no unit; write 5s for seconds, 5m for minutes or 5ms for milliseconds)"),
        ("budgets:\n  - {p95: 1s}\n", "budgets.yml:2: budgets[0]: needs route: (server side) or page: (real users)"),
        ("budget: []\n", "budgets.yml:1: budget: unknown key \"budget\"; valid keys: window, budgets"),
    ])
    func errors(text: String, message: String) {
        do {
            _ = try BudgetFile.parse(text, file: "budgets.yml")
            Issue.record("accepted: \(text)")
        } catch let error as PerfwatchError {
            #expect(error.code == .badRequest)
            #expect(error.message == message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("each check reads its series: routes from traces, pages at p75; a release narrows both")
    func evaluation() async throws {
        let source = FakeSource([
            "http.server.duration p95 route=/courses/:id,service=web,version=2.0": 320,
            "http.server.errors sum route=/courses/:id,service=web,version=2.0": 2,
            "http.server.duration count route=/courses/:id,service=web,version=2.0": 400,
            "rum.lcp p75 page=/checkout,release=2.0": 2100,
            "rum.page_views sum page=/checkout,release=2.0": 40,
        ])
        let results = try await BudgetEvaluation.evaluate(
            BudgetFile.parse(Self.file), windowMs: 1_800_000, release: "2.0", source: source)
        #expect(results == [
            BudgetResult(budget: "web /courses/:id", check: "p95", limit: 300, actual: 320),
            BudgetResult(budget: "web /courses/:id", check: "error_rate", limit: 0.01, actual: 0.005),
            BudgetResult(budget: "/checkout", check: "lcp p75", limit: 2500, actual: 2100),
            BudgetResult(budget: "/checkout", check: "js", limit: 500_000, actual: nil),
        ])
        #expect(source.asked.last == "rum.resource.bytes avg page=/checkout,release=2.0,type=script 1800000")
        #expect(results.map(\.passed) == [false, true, true, true])
        #expect(BudgetEvaluation.summary(results) == "1 of 4 budgets exceeded")
        let table = BudgetEvaluation.table(results, windowMs: 1_800_000, release: "2.0").split(separator: "\n").map {
            String($0.reversed().drop(while: { $0 == " " }).reversed())
        }
        #expect(table == [
            "budgets over the last 30 min, release 2.0",
            "budget            check       limit   actual   result",
            "web /courses/:id  p95         300 ms  320 ms   EXCEEDED",
            "web /courses/:id  error_rate  1.00%   0.50%    ok",
            "/checkout         lcp p75     2.50 s  2.10 s   ok",
            "/checkout         js          500 KB  no data  no data",
        ])
    }

    @Test("a route or page without data fails, naming it, unless the budget says missing: ok")
    func unknownScopes() async throws {
        let file = try BudgetFile.parse("""
            window: 15m
            budgets:
              - {route: /courses/:id, p95: 300ms}
              - {route: /coursse/:id, p95: 300ms, error_rate: 1%}
              - {page: /beta, lcp: 2.5s, missing: ok}
              - {page: /chekout, lcp: 2.5s, missing: fail}
            """)
        #expect(file.budgets.map(\.allowsMissing) == [false, false, true, false])
        let source = FakeSource([
            "http.server.duration count route=/courses/:id": 120,
            "http.server.duration p95 route=/courses/:id": 180,
        ])
        let results = try await BudgetEvaluation.evaluate(file, windowMs: 900_000, release: nil, source: source)
        #expect(results == [
            BudgetResult(budget: "/courses/:id", check: "p95", limit: 300, actual: 180),
            BudgetResult(budget: "/coursse/:id", check: "p95", limit: 300, actual: nil, unknownScope: "route /coursse/:id"),
            BudgetResult(budget: "/coursse/:id", check: "error_rate", limit: 0.01, actual: nil, unknownScope: "route /coursse/:id"),
            BudgetResult(budget: "/beta", check: "lcp p75", limit: 2500, actual: nil),
            BudgetResult(budget: "/chekout", check: "lcp p75", limit: 2500, actual: nil, unknownScope: "page /chekout"),
        ])
        // Without traffic nothing else is asked.
        #expect(!source.asked.contains { $0.contains("coursse") && !$0.hasPrefix("http.server.duration count") })
        #expect(results.map(\.passed) == [true, false, false, true, false])
        #expect(BudgetEvaluation.summary(results) == "3 of 5 budgets without data for their route or page")
        let table = BudgetEvaluation.table(results, windowMs: 900_000, release: nil).split(separator: "\n").map {
            String($0.reversed().drop(while: { $0 == " " }).reversed())
        }
        #expect(table == [
            "budgets over the last 15 min",
            "budget        check       limit   actual   result",
            "/courses/:id  p95         300 ms  180 ms   ok",
            "/coursse/:id  p95         300 ms  no data  NO DATA",
            "/coursse/:id  error_rate  1.00%   no data  NO DATA",
            "/beta         lcp p75     2.50 s  no data  no data",
            "/chekout      lcp p75     2.50 s  no data  NO DATA",
            "no data for route /coursse/:id in the last 15 min: is the name right? A budget that may have no data says `missing: ok`.",
            "no data for page /chekout in the last 15 min: is the name right? A budget that may have no data says `missing: ok`.",
        ])
        let exceeded = [BudgetResult(budget: "/a", check: "p95", limit: 1, actual: 2)] + results
        #expect(BudgetEvaluation.summary(exceeded) == "1 of 6 budgets exceeded, 3 without data for their route or page")
    }
}
