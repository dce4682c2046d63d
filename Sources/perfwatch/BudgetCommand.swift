import ArgumentParser
import Foundation
import PerfwatchAnalysis
import PerfwatchHTTPClient
import PerfwatchModel

struct BudgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Performance budgets for CI.",
        discussion: """
            Examples:
              perfwatch budget check budgets.yml --server http://127.0.0.1:4318
              perfwatch budget check budgets.yml --server http://perf:4318 --window 15m
            """,
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check budgets against a Perfwatch server; exit 1 when any is exceeded or has no data, 2 on a bad file.",
            discussion: """
                budgets.yml (docs/configuration.md#budget-files):
                  window: 1h
                  budgets:
                    - {route: /courses/:id, p95: 300ms, error_rate: 1%}
                    - {page: /checkout, lcp: 2.5s, cls: 0.1, js: 500KB}
                    - {route: /beta/search, p95: 500ms, missing: ok}

                A route or page with no data in the window fails (a typo, most often), \
                unless its budget says missing: ok.

                Examples:
                  perfwatch budget check budgets.yml --server http://127.0.0.1:4318
                  perfwatch budget check budgets.yml --server http://perf:4318 \\
                      --window 15m --release 2.4.0
                """)

        @Argument(help: "Budgets file (YAML).")
        var file: String

        @Option(help: "Perfwatch server URL.")
        var server = "http://127.0.0.1:4318"

        @Option(help: "Data window to check (overrides the file's window), e.g. 15m, 1h.")
        var window: String?

        @Option(help: "Only data of this release (service.version for routes, data-release for pages).")
        var release: String?

        @Option(help: "API key, when the server has auth on.")
        var apiKey: String?

        @Option(help: "Check a lab audit instead (perfwatch audit --json): the file is then a Lighthouse budget.json or assertions file.")
        var audit: String?

        func run() async throws {
            if let audit { return try checkAudit(audit) }
            let budgets: BudgetFile
            do {
                budgets = try BudgetFile.parse(try String(contentsOfFile: file, encoding: .utf8), file: file)
            } catch let error as PerfwatchError {
                print(error.message)
                throw ExitCode(2)
            } catch {
                print("cannot read \(file): \(error.localizedDescription)")
                throw ExitCode(2)
            }
            var windowMs = budgets.windowMs
            if let window {
                do { windowMs = try DurationText.parse(window).wholeMilliseconds } catch {
                    print(error.explaining("--window: expected a duration like 15m or 1h, got '\(window)'"))
                    throw ExitCode(2)
                }
                guard windowMs > 0 else {
                    print("--window: expected a duration like 15m or 1h, got '\(window)'")
                    throw ExitCode(2)
                }
            }
            let results: [BudgetResult]
            do {
                results = try await BudgetEvaluation.evaluate(budgets, windowMs: windowMs, release: release, source: self)
            } catch let error as PerfwatchError {
                print(error.message)
                throw ExitCode(2)
            }
            print(BudgetEvaluation.table(results, windowMs: windowMs, release: release))
            print(BudgetEvaluation.summary(results))
            if results.contains(where: { !$0.passed }) { throw ExitCode(1) }
        }

        /// One whole-window value of `stat` over the matching series; nil without data.
        func value(_ metric: String, _ stat: String, _ filters: [String], _ windowMs: Int64) async throws -> Double? {
            guard var components = URLComponents(string: server + "/api/v1/query") else {
                throw PerfwatchError(.badRequest, "--server '\(server)' is not a URL")
            }
            components.queryItems = [
                URLQueryItem(name: "metric", value: metric), URLQueryItem(name: "stat", value: stat),
                URLQueryItem(name: "from", value: "-\(windowMs / 1000)s"), URLQueryItem(name: "to", value: "now"),
            ] + filters.map { URLQueryItem(name: "where", value: $0) }
            let response: OutboundResponse
            do {
                response = try await ServerRequest.send("GET", components.url!.absoluteString, apiKey: apiKey)
            } catch {
                throw PerfwatchError(.unavailable, "cannot reach \(server): \(error)")
            }
            let data = Data(response.body)
            guard response.status == 200,
                let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let series = body["series"] as? [[String: Any]]
            else {
                throw PerfwatchError(.unavailable, "\(server) answered \(response.status) to a query: \(String(decoding: data.prefix(300), as: UTF8.self))")
            }
            return (series.first?["points"] as? [[Any]])?.first.flatMap { $0.count == 2 ? ($0[1] as? NSNumber)?.doubleValue : nil }
        }
    }
}

extension BudgetCommand.Check {
    /// Issue 20: lab budgets (budget.json or Lighthouse CI assertions) against a saved `AuditReport`.
    func checkAudit(_ path: String) throws {
        let checks = try AuditCommand.readChecks(file)
        let report: AuditReport
        do {
            report = try AuditReport.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            print("\(path): not an audit report (perfwatch audit --json): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        let results = checks.evaluate(report)
        print(LabBudgetFile.table(results))
        print(LabBudgetFile.summary(results))
        if LabBudgetFile.failed(results) { throw ExitCode(1) }
    }
}

/// The budget checks read their numbers from the server through `value` (the HTTP request above).
extension BudgetCommand.Check: BudgetDataSource {}
