import GRDB
import PerfwatchModel

extension EmbeddedStore: LoadRunStore {
    public func saveLoadRun(_ summary: LoadRunSummary, report: String) async throws -> Int64 {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO load_runs (name, start_ms, end_ms, passed, requests, errors, rate, p95, report)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    summary.name, summary.startMs, summary.endMs, summary.passed, summary.requests, summary.errors, summary.rate,
                    summary.p95, report,
                ])
            return db.lastInsertedRowID
        }
    }

    public func loadRuns(limit: Int) async throws -> [LoadRunSummary] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT id, name, start_ms, end_ms, passed, requests, errors, rate, p95 FROM load_runs ORDER BY start_ms DESC, id DESC LIMIT ?",
                arguments: [max(1, min(limit, 1000))]
            ).map { row in
                LoadRunSummary(
                    id: row[0], name: row[1], startMs: row[2], endMs: row[3], passed: row[4], requests: row[5], errors: row[6], rate: row[7],
                    p95: row[8])
            }
        }
    }

    public func loadRunReport(id: Int64) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT report FROM load_runs WHERE id = ?", arguments: [id]) }
    }
}
