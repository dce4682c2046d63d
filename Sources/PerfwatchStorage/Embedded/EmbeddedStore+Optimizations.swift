import Foundation
import GRDB
public import PerfwatchModel

extension EmbeddedStore: OptimizationStore {
    static let optimizationColumns = "id, issue_id, type, description, service, route, release, created_ms, applied_ms, impact"

    static func optimization(_ row: Row) -> PerformanceOptimization {
        // The impact is written by `recordImpact` only, so a row that fails to decode is a bug; show it as not validated.
        let impact = (row[9] as String?).flatMap { try? JSONDecoder().decode(PerformanceOptimization.Impact.self, from: Data($0.utf8)) }
        return PerformanceOptimization(
            id: row[0], issueID: row[1], type: row[2], description: row[3], service: row[4], route: row[5], release: row[6],
            createdMs: row[7], appliedMs: row[8], impact: impact)
    }

    public func addOptimization(_ optimization: PerformanceOptimization) async throws -> PerformanceOptimization {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO performance_optimizations (issue_id, type, description, service, route, release, created_ms, applied_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    optimization.issueID, optimization.type, optimization.description, optimization.service, optimization.route,
                    optimization.release, optimization.createdMs, optimization.appliedMs,
                ])
            var stored = optimization
            stored.id = db.lastInsertedRowID
            stored.impact = nil
            return stored
        }
    }

    public func applyOptimization(id: Int64, atMs: Int64) async throws -> PerformanceOptimization? {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE performance_optimizations SET applied_ms = ?, impact = NULL, verdict = NULL, validated_ms = NULL WHERE id = ?",
                arguments: [atMs, id])
            return try Row.fetchOne(
                db, sql: "SELECT \(Self.optimizationColumns) FROM performance_optimizations WHERE id = ?", arguments: [id]
            ).map(Self.optimization)
        }
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
                sql: "SELECT \(Self.optimizationColumns) FROM performance_optimizations WHERE applied_ms IS NOT NULL AND verdict IS NULL ORDER BY id"
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
}
