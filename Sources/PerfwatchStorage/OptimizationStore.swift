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
}
