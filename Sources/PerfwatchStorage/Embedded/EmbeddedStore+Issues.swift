import GRDB
public import PerfwatchModel

extension EmbeddedStore: IssueStore {
    static let issueColumns = """
        id, fingerprint, type, title, description, recommendation, severity, status, service, route, impact_ms, evidence,
        first_seen_ms, last_seen_ms, resolved_ms
        """

    static func issue(_ row: Row) -> PerformanceIssue {
        PerformanceIssue(
            id: row[0], fingerprint: row[1], type: row[2], title: row[3], description: row[4], recommendation: row[5], severity: row[6],
            status: PerformanceIssue.Status(rawValue: row[7]) ?? .open, service: row[8], route: row[9], impactMs: row[10], evidence: row[11],
            firstSeenMs: row[12], lastSeenMs: row[13], resolvedMs: row[14])
    }

    public func recordAnalysisPass(
        _ findings: [PerformanceIssue], analyzedTypes: Set<String>, nowMs: Int64, resolveAfterPasses: Int
    ) async throws -> [PerformanceIssue] {
        try await pool.write { db in
            var touched: [PerformanceIssue] = []
            for finding in findings {
                // Ignored issues stay ignored; resolved ones reopen when the problem returns.
                try db.execute(
                    sql: """
                        INSERT INTO performance_issues (fingerprint, type, title, description, recommendation, severity, status, service,
                            route, impact_ms, evidence, first_seen_ms, last_seen_ms, clean_passes)
                        VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, 0)
                        ON CONFLICT (fingerprint) DO UPDATE SET
                            title = excluded.title, description = excluded.description, recommendation = excluded.recommendation,
                            severity = excluded.severity, impact_ms = excluded.impact_ms, evidence = excluded.evidence,
                            last_seen_ms = excluded.last_seen_ms, clean_passes = 0,
                            status = CASE WHEN performance_issues.status = 'resolved' THEN 'open' ELSE performance_issues.status END,
                            resolved_ms = CASE WHEN performance_issues.status = 'resolved' THEN NULL ELSE performance_issues.resolved_ms END
                        """,
                    arguments: [
                        finding.fingerprint, finding.type, finding.title, finding.description, finding.recommendation, finding.severity,
                        finding.service, finding.route, finding.impactMs, finding.evidence, nowMs, nowMs,
                    ])
                if let row = try Row.fetchOne(
                    db, sql: "SELECT \(Self.issueColumns) FROM performance_issues WHERE fingerprint = ?", arguments: [finding.fingerprint])
                {
                    touched.append(Self.issue(row))
                }
            }
            let found = Set(findings.map(\.fingerprint))
            let candidates = try Row.fetchAll(
                db,
                sql: "SELECT id, fingerprint, type FROM performance_issues WHERE status IN ('open', 'acknowledged')")
            for row in candidates where analyzedTypes.contains(row[2] as String) && !found.contains(row[1] as String) {
                let id: Int64 = row[0]
                try db.execute(sql: "UPDATE performance_issues SET clean_passes = clean_passes + 1 WHERE id = ?", arguments: [id])
                try db.execute(
                    sql: "UPDATE performance_issues SET status = 'resolved', resolved_ms = ? WHERE id = ? AND clean_passes >= ?",
                    arguments: [nowMs, id, resolveAfterPasses])
            }
            return touched
        }
    }

    public func issues(status: PerformanceIssue.Status?, type: String?, limit: Int) async throws -> [PerformanceIssue] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let status {
            conditions.append("status = ?")
            arguments.append(status.rawValue)
        }
        if let type {
            conditions.append("type = ?")
            arguments.append(type)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(Self.issueColumns) FROM performance_issues \(filter) ORDER BY impact_ms DESC, id LIMIT \(max(1, min(limit, 1000)))"
        let statementArguments = StatementArguments(arguments)
        return try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: statementArguments).map(Self.issue) }
    }

    public func issue(id: Int64) async throws -> PerformanceIssue? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.issueColumns) FROM performance_issues WHERE id = ?", arguments: [id]).map(Self.issue)
        }
    }

    public func setIssueStatus(id: Int64, _ status: PerformanceIssue.Status, nowMs: Int64) async throws -> PerformanceIssue? {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE performance_issues SET status = ?, clean_passes = 0,
                        resolved_ms = CASE WHEN ? = 'resolved' THEN ? ELSE NULL END
                    WHERE id = ?
                    """, arguments: [status.rawValue, status.rawValue, nowMs, id])
            return try Row.fetchOne(db, sql: "SELECT \(Self.issueColumns) FROM performance_issues WHERE id = ?", arguments: [id]).map(Self.issue)
        }
    }
}
