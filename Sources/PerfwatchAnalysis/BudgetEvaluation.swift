import Foundation

/// Where budget checks read their numbers: one whole-window value of `stat` over the series of
/// `metric` that match every `TAG=VALUE` filter; nil without data. `perfwatch budget check` answers
/// it with `GET /api/v1/query` against a server.
public protocol BudgetDataSource {
    func value(_ metric: String, _ stat: String, _ filters: [String], _ windowMs: Int64) async throws -> Double?
}

/// Budget evaluation: which metric, statistic and filters each check of a budget reads, and the
/// outcome against its limit. Routes read the trace-derived `http.server.*` series, pages the RUM
/// series at p75 (`js`: the mean script bytes per page view).
public enum BudgetEvaluation {
    /// Every check of every budget in `file`, in file order.
    public static func evaluate(
        _ file: BudgetFile, windowMs: Int64, release: String?, source: some BudgetDataSource
    ) async throws -> [BudgetResult] {
        var results: [BudgetResult] = []
        for budget in file.budgets { results += try await evaluate(budget, windowMs: windowMs, release: release, source: source) }
        return results
    }

    static func evaluate(
        _ budget: BudgetFile.Budget, windowMs: Int64, release: String?, source: some BudgetDataSource
    ) async throws -> [BudgetResult] {
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
                    let errors = try await source.value("http.server.errors", "sum", filters, windowMs) ?? 0
                    actual = try await source.value("http.server.duration", "count", filters, windowMs).map { $0 > 0 ? errors / $0 : 0 }
                } else {
                    actual = try await source.value("http.server.duration", check, filters, windowMs)
                }
                results.append(BudgetResult(budget: name, check: check, limit: limit, actual: actual))
            }
        case .page(let page):
            var filters = ["page=\(page)"]
            if let release { filters.append("release=\(release)") }
            for (check, limit) in budget.limits {
                let actual = check == "js"
                    ? try await source.value("rum.resource.bytes", "avg", filters + ["type=script"], windowMs)
                    : try await source.value("rum.\(check)", "p75", filters, windowMs)
                results.append(BudgetResult(budget: page, check: check == "js" ? "js" : "\(check) p75", limit: limit, actual: actual))
            }
        }
        return results
    }

    /// The table `perfwatch budget check` prints: a title, then budget, check, limit, actual, result.
    public static func table(_ results: [BudgetResult], windowMs: Int64, release: String?) -> String {
        let rows = results.map {
            [$0.budget, $0.check, BudgetResult.format($0.checkName, $0.limit), BudgetResult.format($0.checkName, $0.actual),
             $0.actual == nil ? "no data" : ($0.passed ? "ok" : "EXCEEDED")]
        }
        let header = ["budget", "check", "limit", "actual", "result"]
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        let title = "budgets over the last \(windowMs / 60_000) min" + (release.map { ", release \($0)" } ?? "")
        return ([title, line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// The last line: how many checks passed.
    public static func summary(_ results: [BudgetResult]) -> String {
        let failed = results.filter { !$0.passed }.count
        return failed == 0 ? "all \(results.count) budgets met" : "\(failed) of \(results.count) budgets exceeded"
    }
}

/// One check's outcome.
public struct BudgetResult: Sendable, Equatable {
    public var budget: String
    /// The check as shown: `p95`, `error_rate`, `lcp p75`, `js`.
    public var check: String
    public var limit: Double
    /// nil: no data in the window (reported, not a failure).
    public var actual: Double?
    public var passed: Bool { actual.map { $0 <= limit } ?? true }
    /// The check's name without the statistic (`lcp` of `lcp p75`), which picks its unit.
    var checkName: String { String(check.split(separator: " ").first ?? "") }

    public init(budget: String, check: String, limit: Double, actual: Double?) {
        self.budget = budget
        self.check = check
        self.limit = limit
        self.actual = actual
    }

    public static func format(_ check: String, _ value: Double?) -> String {
        guard let value else { return "no data" }
        switch check {
        case "error_rate": return String(format: "%.2f%%", value * 100)
        case "cls": return String(format: "%.3f", value)
        case "js": return value >= 1_000_000 ? String(format: "%.2f MB", value / 1_000_000) : String(format: "%.0f KB", value / 1000)
        default: return value >= 1000 ? String(format: "%.2f s", value / 1000) : String(format: "%.0f ms", value)
        }
    }
}
