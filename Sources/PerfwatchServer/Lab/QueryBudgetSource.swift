import Foundation
import PerfwatchAnalysis
import PerfwatchModel
import PerfwatchQuery

/// Budgets read on the server itself (a scheduled report's budget status): the same whole-window values
/// `perfwatch budget check` asks the query API for, from the query engine directly.
struct QueryBudgetSource: BudgetDataSource {
    let engine: QueryEngine
    let nowMs: Int64

    func value(_ metric: String, _ stat: String, _ filters: [String], _ windowMs: Int64) async throws -> Double? {
        guard let parsed = Stat(stat) else { throw PerfwatchError(.badRequest, "unknown stat '\(stat)'") }
        var tagFilters: [TagFilter] = []
        for text in filters {
            guard let filter = TagFilter(text) else { throw PerfwatchError(.badRequest, "'\(text)' is not TAG=VALUE or TAG!=VALUE") }
            tagFilters.append(filter)
        }
        let query = MetricQuery(metric: metric, stat: parsed, from: nowMs - windowMs, to: nowMs, filters: tagFilters)
        return try await engine.execute(query, nowMs: nowMs).series.first?.points.first?.value
    }
}

/// A report's budget status: its budget file (`perfwatch budget`'s format) checked now, in one line.
enum ReportBudgetStatus {
    static let notConfigured = "not configured: name a budget file (perfwatch budget's format) in the report's budget: setting"

    static func text(budgetFile path: String?, engine: QueryEngine, nowMs: Int64) async -> String {
        guard let path else { return notConfigured }
        do {
            let file = try BudgetFile.parse(try String(contentsOfFile: path, encoding: .utf8), file: path)
            let results = try await BudgetEvaluation.evaluate(file, windowMs: file.windowMs, release: nil, source: QueryBudgetSource(engine: engine, nowMs: nowMs))
            let exceeded = results.filter { !$0.passed && $0.unknownScope == nil }.prefix(5).map { result in
                let name = String(result.check.split(separator: " ").first ?? "")
                return "\(result.budget) \(result.check) \(BudgetResult.format(name, result.actual)) over \(BudgetResult.format(name, result.limit))"
            }
            return BudgetEvaluation.summary(results) + (exceeded.isEmpty ? "" : ": " + exceeded.joined(separator: "; "))
        } catch let error as PerfwatchError {
            return "budget file \(path) could not be checked: \(error.message)"
        } catch {
            return "budget file \(path) could not be read: \(error.localizedDescription)"
        }
    }

}
