import Foundation
import GRDB
public import PerfwatchModel

extension EmbeddedStore: OptimizationStore {
    static let optimizationColumns = """
        id, issue_id, type, description, service, route, release, created_ms, applied_ms, impact, policy_change, policy_version,
        previous_version, rolled_back_ms, rollback_reason
        """

    static func optimization(_ row: Row) -> PerformanceOptimization {
        // The impact is written by `recordImpact` only, so a row that fails to decode is a bug; show it as not validated.
        let impact = (row[9] as String?).flatMap { try? JSONDecoder().decode(PerformanceOptimization.Impact.self, from: Data($0.utf8)) }
        var optimization = PerformanceOptimization(
            id: row[0], issueID: row[1], type: row[2], description: row[3], service: row[4], route: row[5], release: row[6],
            createdMs: row[7], appliedMs: row[8], impact: impact, policyChange: row[10])
        optimization.policyVersion = row[11]
        optimization.previousVersion = row[12]
        optimization.rolledBackMs = row[13]
        optimization.rollbackReason = row[14]
        return optimization
    }

    public func addOptimization(_ optimization: PerformanceOptimization) async throws -> PerformanceOptimization {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO performance_optimizations
                        (issue_id, type, description, service, route, release, created_ms, applied_ms, policy_change)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    optimization.issueID, optimization.type, optimization.description, optimization.service, optimization.route,
                    optimization.release, optimization.createdMs, optimization.appliedMs, optimization.policyChange,
                ])
            var stored = optimization
            stored.id = db.lastInsertedRowID
            stored.impact = nil
            stored.policyVersion = nil
            stored.previousVersion = nil
            stored.rolledBackMs = nil
            stored.rollbackReason = nil
            return stored
        }
    }

    public func applyOptimization(id: Int64, atMs: Int64) async throws -> PerformanceOptimization? {
        try await updateOptimization(
            id: id, sql: "UPDATE performance_optimizations SET applied_ms = ?, impact = NULL, verdict = NULL, validated_ms = NULL WHERE id = ?",
            arguments: [atMs, id])
    }

    public func optimizations(limit: Int) async throws -> [PerformanceOptimization] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.optimizationColumns) FROM performance_optimizations ORDER BY created_ms DESC, id DESC LIMIT \(max(1, min(limit, 1000)))"
            ).map(Self.optimization)
        }
    }

    public func optimization(id: Int64) async throws -> PerformanceOptimization? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.optimizationColumns) FROM performance_optimizations WHERE id = ?", arguments: [id])
                .map(Self.optimization)
        }
    }

    public func pendingOptimizations() async throws -> [PerformanceOptimization] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.optimizationColumns) FROM performance_optimizations
                    WHERE applied_ms IS NOT NULL AND verdict IS NULL AND rolled_back_ms IS NULL ORDER BY id
                    """
            ).map(Self.optimization)
        }
    }

    public func recordImpact(id: Int64, _ impact: PerformanceOptimization.Impact) async throws {
        let text = String(decoding: try JSONEncoder().encode(impact), as: UTF8.self)
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE performance_optimizations SET impact = ?, verdict = ?, validated_ms = ? WHERE id = ?",
                arguments: [text, impact.verdict.rawValue, impact.validatedMs, id])
        }
    }

    public func recordPolicyPublished(id: Int64, version: Int64, previousVersion: Int64) async throws -> PerformanceOptimization? {
        try await updateOptimization(
            id: id,
            sql: """
                UPDATE performance_optimizations SET policy_version = ?, previous_version = ?, applied_ms = NULL, impact = NULL,
                    verdict = NULL, validated_ms = NULL, rolled_back_ms = NULL, rollback_reason = NULL WHERE id = ?
                """,
            arguments: [version, previousVersion, id])
    }

    public func recordRollback(id: Int64, atMs: Int64, reason: String) async throws -> PerformanceOptimization? {
        try await updateOptimization(
            id: id, sql: "UPDATE performance_optimizations SET rolled_back_ms = ?, rollback_reason = ? WHERE id = ?",
            arguments: [atMs, reason, id])
    }

    public func optimization(issueID: Int64) async throws -> PerformanceOptimization? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.optimizationColumns) FROM performance_optimizations WHERE issue_id = ? ORDER BY id DESC LIMIT 1",
                arguments: [issueID]
            ).map(Self.optimization)
        }
    }

    private func updateOptimization(id: Int64, sql: String, arguments: StatementArguments) async throws -> PerformanceOptimization? {
        try await pool.write { db in
            try db.execute(sql: sql, arguments: arguments)
            return try Row.fetchOne(
                db, sql: "SELECT \(Self.optimizationColumns) FROM performance_optimizations WHERE id = ?", arguments: [id]
            ).map(Self.optimization)
        }
    }
}
