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
        let reading = reads(of: budget, release: release)
        // A scope without a single request or page view is a name nobody measures: most
        // often a typo, which must not pass CI as "no data" (issue 15).
        let traffic = try await source.value(reading.traffic.metric, reading.traffic.stat, reading.filters, windowMs) ?? 0
        guard traffic > 0 else {
            let unknown = budget.allowsMissing ? nil : reading.scopeName
            return budget.limits.map { BudgetResult(budget: reading.name, check: reading.shownCheck($0.name), limit: $0.limit, actual: nil, unknownScope: unknown) }
        }
        var results: [BudgetResult] = []
        for (check, limit) in budget.limits {
            let actual: Double?
            switch budget.scope {
            case .route:
                if check == "error_rate" {
                    // `traffic` is the route's request count.
                    actual = (try await source.value("http.server.errors", "sum", reading.filters, windowMs) ?? 0) / traffic
                } else {
                    actual = try await source.value("http.server.duration", check, reading.filters, windowMs)
                }
            case .page:
                actual = check == "js"
                    ? try await source.value("rum.resource.bytes", "avg", reading.filters + ["type=script"], windowMs)
                    : try await source.value("rum.\(check)", "p75", reading.filters, windowMs)
            }
            results.append(BudgetResult(budget: reading.name, check: reading.shownCheck(check), limit: limit, actual: actual))
        }
        return results
    }

    /// What a budget's checks read: the filters of its scope, the series whose presence says the
    /// scope has data at all (requests of a route, views of a page), and how it is named.
    struct ScopeReads {
        var filters: [String]
        var traffic: (metric: String, stat: String)
        /// In the table: `web /courses/:id`, `/checkout`.
        var name: String
        /// In messages: `route /courses/:id of service web`, `page /checkout`.
        var scopeName: String
        var isPage: Bool

        /// Page checks are read at p75 and shown so (`lcp p75`); `js` is a mean.
        func shownCheck(_ check: String) -> String { isPage && check != "js" ? "\(check) p75" : check }
    }

    static func reads(of budget: BudgetFile.Budget, release: String?) -> ScopeReads {
        switch budget.scope {
        case .route(let route, let service):
            var filters = ["route=\(route)"]
            if let service { filters.append("service=\(service)") }
            if let release { filters.append("version=\(release)") }
            return ScopeReads(
                filters: filters, traffic: ("http.server.duration", "count"), name: (service.map { "\($0) " } ?? "") + route,
                scopeName: "route \(route)" + (service.map { " of service \($0)" } ?? ""), isPage: false)
        case .page(let page):
            var filters = ["page=\(page)"]
            if let release { filters.append("release=\(release)") }
            return ScopeReads(filters: filters, traffic: ("rum.page_views", "sum"), name: page, scopeName: "page \(page)", isPage: true)
        }
    }

    /// The table `perfwatch budget check` prints: a title, then budget, check, limit, actual, result;
    /// then one line per route or page without data that fails for it.
    public static func table(_ results: [BudgetResult], windowMs: Int64, release: String?) -> String {
        let rows = results.map {
            [$0.budget, $0.check, BudgetResult.format($0.checkName, $0.limit), BudgetResult.format($0.checkName, $0.actual),
             $0.unknownScope != nil ? "NO DATA" : $0.actual == nil ? "no data" : ($0.passed ? "ok" : "EXCEEDED")]
        }
        let header = ["budget", "check", "limit", "actual", "result"]
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        let window = "the last \(windowMs / 60_000) min" + (release.map { ", release \($0)" } ?? "")
        var unknown: [String] = []
        for scope in results.compactMap(\.unknownScope) where !unknown.contains(scope) { unknown.append(scope) }
        let notes = unknown.map {
            "no data for \($0) in \(window): is the name right? A budget that may have no data says `missing: ok`."
        }
        return (["budgets over \(window)", line(header)] + rows.map(line) + notes).joined(separator: "\n")
    }

    /// The last line: how many checks passed, exceeded, or had no data for their route or page.
    public static func summary(_ results: [BudgetResult]) -> String {
        let unknown = results.filter { $0.unknownScope != nil }.count
        let exceeded = results.filter { !$0.passed }.count - unknown
        switch (exceeded, unknown) {
        case (0, 0): return "all \(results.count) budgets met"
        case (_, 0): return "\(exceeded) of \(results.count) budgets exceeded"
        case (0, _): return "\(unknown) of \(results.count) budgets without data for their route or page"
        default: return "\(exceeded) of \(results.count) budgets exceeded, \(unknown) without data for their route or page"
        }
    }
}

/// One check's outcome.
public struct BudgetResult: Sendable, Equatable {
    public var budget: String
    /// The check as shown: `p95`, `error_rate`, `lcp p75`, `js`.
    public var check: String
    public var limit: Double
    /// nil: no data in the window. Not a failure by itself: a page may load no scripts.
    public var actual: Double?
    /// Set when the budget's route or page had no data at all in the window and the budget does
    /// not say `missing: ok`: the scope as messages name it (`route /courses/:id`). The check fails.
    public var unknownScope: String?
    public var passed: Bool { unknownScope == nil && (actual.map { $0 <= limit } ?? true) }
    /// The check's name without the statistic (`lcp` of `lcp p75`), which picks its unit.
    var checkName: String { String(check.split(separator: " ").first ?? "") }

    public init(budget: String, check: String, limit: Double, actual: Double?, unknownScope: String? = nil) {
        self.budget = budget
        self.check = check
        self.limit = limit
        self.actual = actual
        self.unknownScope = unknownScope
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
