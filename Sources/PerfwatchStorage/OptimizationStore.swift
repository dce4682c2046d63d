public import PerfwatchModel

/// Optimizations the team applied, and their validated impact (`performance_optimizations`).
public protocol OptimizationStore: Sendable {
    func addOptimization(_ optimization: PerformanceOptimization) async throws -> PerformanceOptimization
    /// Marks it applied at `atMs` (clearing an earlier validation); nil when unknown.
    func applyOptimization(id: Int64, atMs: Int64) async throws -> PerformanceOptimization?
    func optimizations(limit: Int) async throws -> [PerformanceOptimization]
    func optimization(id: Int64) async throws -> PerformanceOptimization?
    /// Applied optimizations not validated yet.
    func pendingOptimizations() async throws -> [PerformanceOptimization]
    func recordImpact(id: Int64, _ impact: PerformanceOptimization.Impact) async throws
    /// An edge optimization's policy went out as `version` (replacing `previousVersion`): it is
    /// `applied`, waiting for the edges to confirm (earlier applied time, validation and rollback
    /// cleared). Nil when unknown.
    func recordPolicyPublished(id: Int64, version: Int64, previousVersion: Int64) async throws -> PerformanceOptimization?
    /// Rolled back at `atMs` for `reason`; it is no longer validated. Nil when unknown.
    func recordRollback(id: Int64, atMs: Int64, reason: String) async throws -> PerformanceOptimization?
    /// The newest optimization made for an issue (one proposal per issue).
    func optimization(issueID: Int64) async throws -> PerformanceOptimization?
}
