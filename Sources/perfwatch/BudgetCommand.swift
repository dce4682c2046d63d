import ArgumentParser
import Foundation
import PerfwatchAnalysis
import PerfwatchHTTPClient
import PerfwatchModel

struct BudgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Performance budgets for CI.",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check budgets against a Perfwatch server; exit 1 when any is exceeded, 2 on a bad file.",
            discussion: """
                budgets.yml:
                  window: 1h
                  budgets:
                    - {route: /courses/:id, p95: 300ms, error_rate: 1%}
                    - {page: /checkout, lcp: 2.5s, cls: 0.1, js: 500KB}

                Examples:
                  perfwatch budget check budgets.yml --server http://127.0.0.1:4318
                  perfwatch budget check budgets.yml --server http://perf:4318 --window 15m --release 2.4.0
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

        func run() async throws {
            let budgets: BudgetFile
            do {
                budgets = try BudgetFile.parse(try String(contentsOfFile: file, encoding: .utf8))
            } catch let error as PerfwatchError {
                print("\(file): \(error.message)")
                throw ExitCode(2)
            } catch {
                print("cannot read \(file): \(error.localizedDescription)")
                throw ExitCode(2)
            }
            var windowMs = budgets.windowMs
            if let window {
                guard let ms = TimeParsing.parseDuration(window), ms > 0 else {
                    print("--window: expected a duration like 15m or 1h, got '\(window)'")
                    throw ExitCode(2)
                }
                windowMs = ms
            }
            var results: [BudgetResult] = []
            do {
                for budget in budgets.budgets { results += try await check(budget, windowMs: windowMs) }
            } catch let error as PerfwatchError {
                print(error.message)
                throw ExitCode(2)
            }
            print(Self.table(results, windowMs: windowMs, release: release))
            let failed = results.filter { !$0.passed }
            print(failed.isEmpty ? "all \(results.count) budgets met" : "\(failed.count) of \(results.count) budgets exceeded")
            if !failed.isEmpty { throw ExitCode(1) }
        }

        func check(_ budget: BudgetFile.Budget, windowMs: Int64) async throws -> [BudgetResult] {
            var results: [BudgetResult] = []
            switch budget.scope {
            case .route(let route, let service):
                var filters = ["route=\(route)"]
                if let service { filters.append("service=\(service)") }
                if let release { filters.append("version=\(release)") }
                let name = (service.map { "\($0) " } ?? "") + route
                for (check, limit) in budget.limits {
                    let actual: Double?
                    if check == "error_rate" {
                        let errors = try await value("http.server.errors", "sum", filters, windowMs) ?? 0
                        actual = try await value("http.server.duration", "count", filters, windowMs).map { $0 > 0 ? errors / $0 : 0 }
                    } else {
                        actual = try await value("http.server.duration", check, filters, windowMs)
                    }
                    results.append(BudgetResult(budget: name, check: check, limit: limit, actual: actual))
                }
            case .page(let page):
                var filters = ["page=\(page)"]
                if let release { filters.append("release=\(release)") }
                for (check, limit) in budget.limits {
                    let actual = check == "js"
                        ? try await value("rum.resource.bytes", "avg", filters + ["type=script"], windowMs)
                        : try await value("rum.\(check)", "p75", filters, windowMs)
                    results.append(BudgetResult(budget: page, check: check == "js" ? "js" : "\(check) p75", limit: limit, actual: actual))
                }
            }
            return results
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

        static func table(_ results: [BudgetResult], windowMs: Int64, release: String?) -> String {
            let rows = results.map { [$0.budget, $0.check, BudgetResult.format(check($0.check), $0.limit), BudgetResult.format(check($0.check), $0.actual), $0.actual == nil ? "no data" : ($0.passed ? "ok" : "EXCEEDED")] }
            let header = ["budget", "check", "limit", "actual", "result"]
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            }
            let title = "budgets over the last \(windowMs / 60_000) min" + (release.map { ", release \($0)" } ?? "")
            return ([title, line(header)] + rows.map(line)).joined(separator: "\n")
        }

        static func check(_ label: String) -> String { String(label.split(separator: " ").first ?? "") }
    }
}
