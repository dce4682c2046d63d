import Foundation
import PerfwatchAnalysis
import PerfwatchConfig
import PerfwatchEdgePolicy
import PerfwatchModel
import PerfwatchStorage

extension EdgePolicyService: OptimizationRollback {
    /// Applies an edge optimization: publishes its change over the current policy, marks it
    /// `applied` with the version, and sets `applied_at` once the connected edges run it.
    func apply(_ optimization: PerformanceOptimization, note: String = "applied") async throws -> PerformanceOptimization {
        let change = try Self.change(of: optimization)
        if optimization.policyVersion != nil, optimization.rolledBackMs == nil {
            throw PerfwatchError(.conflict, "optimization \(optimization.id) is already applied (edge policy version \(optimization.policyVersion!))")
        }
        let before = try await current()
        let published = try await publish(
            change.applied(to: before.policy, version: before.version + 1), reason: "optimization \(optimization.id) \(note): \(change.summary)")
        guard
            var applied = try await optimizations.recordPolicyPublished(
                id: optimization.id, version: published.version, previousVersion: before.version)
        else { throw PerfwatchError(.notFound, "no optimization with id \(optimization.id)") }
        awaitingConfirmation[optimization.id] = published.version
        if let confirmed = try await confirmApplied().first(where: { $0.id == optimization.id }) { applied = confirmed }
        return applied
    }

    /// Publishes the current policy with the optimization's change taken out: the parts it
    /// changed get the values they had in the version it replaced. Only an applied (or validated)
    /// one can be rolled back.
    @discardableResult
    func rollBackOptimization(_ optimization: PerformanceOptimization, reason: String, nowMs: Int64) async throws -> PerformanceOptimization {
        guard let previousVersion = optimization.previousVersion, optimization.policyVersion != nil, optimization.rolledBackMs == nil else {
            throw PerfwatchError(
                .conflict, "optimization \(optimization.id) is \(optimization.status.replacingOccurrences(of: "_", with: " ")): only an applied edge optimization can be rolled back")
        }
        let change = try Self.change(of: optimization)
        guard let previous = try await policy(version: previousVersion) else {
            throw PerfwatchError(.internal, "edge policy version \(previousVersion), which optimization \(optimization.id) replaced, is missing")
        }
        let now = try await current()
        try await publish(
            change.reverted(in: now.policy, previous: previous, version: now.version + 1), reason: "rollback of optimization \(optimization.id): \(reason)")
        awaitingConfirmation.removeValue(forKey: optimization.id)
        guard let rolledBack = try await optimizations.recordRollback(id: optimization.id, atMs: nowMs, reason: reason) else {
            throw PerfwatchError(.notFound, "no optimization with id \(optimization.id)")
        }
        return rolledBack
    }

    /// Records an edge's report, then confirms the optimizations its version completes.
    func record(_ report: EdgeReport) async throws {
        reports.record(report, atMs: clock())
        _ = try await confirmApplied()
    }

    /// Sets `applied_at` (now) on every optimization whose version all connected edges run.
    /// Returns the ones it confirmed.
    func confirmApplied() async throws -> [PerformanceOptimization] {
        try await recoverAwaitingOnce()
        let now = clock()
        var confirmed: [PerformanceOptimization] = []
        for (id, version) in awaitingConfirmation.sorted(by: { $0.key < $1.key })
        where reports.allConnectedRun(atLeast: version, nowMs: now, windowMs: Self.connectedWindowMs) {
            awaitingConfirmation.removeValue(forKey: id)
            if let optimization = try await optimizations.applyOptimization(id: id, atMs: now) { confirmed.append(optimization) }
        }
        return confirmed
    }

    /// After a restart: edge optimizations published but not confirmed yet wait again.
    private func recoverAwaitingOnce() async throws {
        guard !recoveredAwaitingConfirmation else { return }
        recoveredAwaitingConfirmation = true
        for optimization in try await optimizations.optimizations(limit: 1000)
        where optimization.appliedMs == nil && optimization.rolledBackMs == nil {
            if let version = optimization.policyVersion, awaitingConfirmation[optimization.id] == nil {
                awaitingConfirmation[optimization.id] = version
            }
        }
    }

    /// The optimization's `EdgePolicyChange`; a 409 for one that changes no edge policy.
    static func change(of optimization: PerformanceOptimization) throws -> EdgePolicyChange {
        guard let text = optimization.policyChange else {
            throw PerfwatchError(.conflict, "optimization \(optimization.id) changes no edge policy")
        }
        do {
            return try EdgePolicyChange.parse(json: Array(text.utf8), what: "policy_change")
        } catch {
            throw PerfwatchError(.internal, "optimization \(optimization.id)'s stored policy change cannot be read: \(error)")
        }
    }
}
