import Foundation
import Logging
import PerfwatchAnalysis
import PerfwatchModel
import PerfwatchStorage

/// Index suggestions as optimizations (issue 21): one `proposed` `db_index` optimization per
/// suggestion, applied with the database's `apply_url` role (`CREATE INDEX CONCURRENTLY` with a lock
/// timeout), then judged by `OptimizationValidator` on the route like any applied change; one judged
/// `regressed` or `no_change` can be rolled back (`DROP INDEX CONCURRENTLY`), automatically when
/// `analysis.auto_apply` lists `db_index` (which also applies the proposals as they come).
struct DatabaseIndexOptimizations: Sendable {
    let optimizations: any OptimizationStore
    /// The write role of each database that has one.
    let writers: [String: any DatabaseWriter]
    let automatic: Bool
    let logger: Logger
    var lockTimeoutMs = 5_000
    /// Read once the build ends: the route changes when the index is there, not when it was asked for
    /// (a build on a big table takes a while, and validation compares the time before with after).
    var clock: @Sendable () -> Int64 = { TimeParsing.nowMs() }

    /// Proposes what the report suggests and no optimization covers yet (a failed one is proposed
    /// again: the build may succeed next time). Returns the optimizations it created.
    @discardableResult
    func propose(_ report: DatabaseAdvisorReport, nowMs: Int64) async throws -> [PerformanceOptimization] {
        let existing = try await optimizations.optimizations(limit: 1000).filter {
            $0.type == DatabaseIndexChange.optimizationType && $0.status != "failed"
        }
        let covered = Set(existing.compactMap { try? DatabaseIndexChange.of($0) }.map { "\($0.database)\u{1}\($0.suggestion)" })
        var created: [PerformanceOptimization] = []
        for suggestion in report.suggestions where !covered.contains("\(report.database)\u{1}\(suggestion.id)") {
            var proposal = try await optimizations.addOptimization(Self.proposal(suggestion, database: report.database, nowMs: nowMs))
            if automatic, writers[report.database] != nil {
                do { proposal = try await apply(proposal) } catch {
                    logger.warning("automatic index build failed", metadata: ["optimization": "\(proposal.id)", "error": "\(error)"])
                }
            }
            created.append(proposal)
        }
        return created
    }

    static func proposal(_ suggestion: DatabaseAdvisorReport.IndexSuggestion, database: String, nowMs: Int64) -> PerformanceOptimization {
        // The route it slows most is the one the validator judges; the description names them all.
        let main = suggestion.routes.max { $0.shareOfP95 < $1.shareOfP95 }
        let routes = suggestion.routes.map { "\($0.route) (\($0.service), \(Int(($0.shareOfP95 * 100).rounded()))% of p95)" }
        let change = DatabaseIndexChange(
            database: database, suggestion: suggestion.id, index: suggestion.index, name: IndexStatements.name(suggestion.index),
            create: suggestion.createStatement, drop: suggestion.dropStatement)
        let description = "\(suggestion.createStatement) on database \(database): planner cost \(Self.cost(suggestion.costBefore)) → "
            + "\(Self.cost(suggestion.costAfter)) with it (hypothetical index)"
            + (routes.isEmpty ? "" : "; routes: \(routes.joined(separator: ", "))") + ". \(suggestion.expectedEffect)"
        return PerformanceOptimization(
            type: DatabaseIndexChange.optimizationType, description: String(description.prefix(3900)), service: main?.service ?? "",
            route: main?.route ?? "", createdMs: nowMs, policyChange: change.jsonText)
    }

    /// Builds the index and marks the optimization applied now. No write role → 403 naming the
    /// setting; a role without the right → 403 with PostgreSQL's message; any other failure (lock
    /// timeout, a name taken) → the optimization is `failed` with the database's message (the
    /// writer drops an invalid index the build left) and a 409 says so.
    func apply(_ optimization: PerformanceOptimization) async throws -> PerformanceOptimization {
        let change = try DatabaseIndexChange.of(optimization)
        guard optimization.status == "proposed" else {
            throw PerfwatchError(.conflict, "optimization \(optimization.id) is \(optimization.status.replacingOccurrences(of: "_", with: " ")): only a proposed index is built")
        }
        guard let writer = writers[change.database] else {
            throw PerfwatchError(.forbidden, "database \(change.database) has no apply_url: configure a role allowed to CREATE INDEX")
        }
        do {
            try await writer.createIndex(change.index, lockTimeoutMs: lockTimeoutMs)
        } catch DatabaseSourceError.permissionDenied(let message) {
            throw PerfwatchError(.forbidden, "database \(change.database) refused to build the index: \(message)")
        } catch {
            let message = Self.message(error)
            _ = try await optimizations.recordRollback(id: optimization.id, atMs: clock(), reason: "index build failed: \(message)")
            throw PerfwatchError(.conflict, "optimization \(optimization.id) failed: the index build failed: \(message)")
        }
        guard let applied = try await optimizations.applyOptimization(id: optimization.id, atMs: clock()) else {
            throw PerfwatchError(.notFound, "no optimization with id \(optimization.id)")
        }
        return applied
    }

    /// Drops the index an applied `db_index` optimization built and records why.
    @discardableResult
    func rollBack(_ optimization: PerformanceOptimization, reason: String, nowMs: Int64) async throws -> PerformanceOptimization {
        let change = try DatabaseIndexChange.of(optimization)
        guard optimization.appliedMs != nil, optimization.rolledBackMs == nil else {
            throw PerfwatchError(
                .conflict, "optimization \(optimization.id) is \(optimization.status.replacingOccurrences(of: "_", with: " ")): only an applied index can be dropped")
        }
        guard let writer = writers[change.database] else {
            throw PerfwatchError(.forbidden, "database \(change.database) has no apply_url: configure a role allowed to DROP INDEX")
        }
        do {
            try await writer.dropIndex(schema: change.index.schema, name: change.name, lockTimeoutMs: lockTimeoutMs)
        } catch DatabaseSourceError.permissionDenied(let message) {
            throw PerfwatchError(.forbidden, "database \(change.database) refused to drop the index: \(message)")
        } catch {
            throw PerfwatchError(.conflict, "dropping index \(change.name) failed: \(Self.message(error))")
        }
        guard let rolledBack = try await optimizations.recordRollback(id: optimization.id, atMs: nowMs, reason: reason) else {
            throw PerfwatchError(.notFound, "no optimization with id \(optimization.id)")
        }
        return rolledBack
    }

    /// With `auto_apply: [db_index]`: drops the indexes validation judged `regressed` or `no_change`
    /// (an index that does not help still costs every write). Returns the ones dropped.
    @discardableResult
    func rollBackUnhelpful(nowMs: Int64) async -> [PerformanceOptimization] {
        guard automatic else { return [] }
        var dropped: [PerformanceOptimization] = []
        do {
            for optimization in try await optimizations.optimizations(limit: 1000)
            where optimization.type == DatabaseIndexChange.optimizationType && optimization.rolledBackMs == nil {
                guard let impact = optimization.impact, impact.verdict != .improved else { continue }
                dropped.append(
                    try await rollBack(
                        optimization, reason: "dropped automatically (analysis.auto_apply lists db_index): validation \(impact.verdict.rawValue)",
                        nowMs: nowMs))
            }
        } catch {
            logger.error("dropping unhelpful indexes failed", metadata: ["error": "\(error)"])
        }
        return dropped
    }

    static func cost(_ value: Double) -> String { String(format: value >= 100 ? "%.0f" : "%.2f", value) }

    static func message(_ error: any Error) -> String {
        switch error {
        case DatabaseSourceError.unreachable(let message), DatabaseSourceError.permissionDenied(let message),
            DatabaseSourceError.missingExtension(let message), DatabaseSourceError.unexplainable(let message):
            return message
        case DatabaseSourceError.database(let sqlState, let message): return "\(message) (SQLSTATE \(sqlState))"
        default: return "\(error)"
        }
    }
}
