import GRDB
public import PerfwatchModel

extension EmbeddedStore: AlertHistoryStore {
    public func recordAlertHistory(_ records: [AlertHistoryRecord]) async throws {
        guard !records.isEmpty else { return }
        try await pool.write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO performance_alerts (kind, alert_id, rule, group_name, labels, severity, message, threshold, value,
                        active_ms, fired_ms, resolved_ms, acknowledged_by, acknowledged_ms, at_ms, silenced)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for record in records {
                try insert.execute(arguments: [
                    record.kind, record.alertID, record.rule, record.group, record.labelsJSON, record.severity, record.message,
                    record.threshold, record.value, record.activeMs, record.firedMs, record.resolvedMs, record.acknowledgedBy,
                    record.acknowledgedMs, record.atMs, record.silenced,
                ])
            }
        }
    }

    public func alertHistory(from: Int64, to: Int64, kind: String?, limit: Int) async throws -> [AlertHistoryRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, alert_id, rule, group_name, labels, severity, message, threshold, value, active_ms, fired_ms,
                        resolved_ms, acknowledged_by, acknowledged_ms, at_ms, silenced
                    FROM performance_alerts WHERE at_ms >= ? AND at_ms <= ? AND (? IS NULL OR kind = ?)
                    ORDER BY at_ms DESC, id DESC LIMIT ?
                    """, arguments: [from, to, kind, kind, max(1, min(limit, 10_000))]
            ).map { row in
                AlertHistoryRecord(
                    kind: row[0], alertID: row[1], rule: row[2], group: row[3], labelsJSON: row[4], severity: row[5], message: row[6],
                    threshold: row[7], value: row[8], activeMs: row[9], firedMs: row[10], resolvedMs: row[11], acknowledgedBy: row[12],
                    acknowledgedMs: row[13], atMs: row[14], silenced: row[15])
            }
        }
    }
}
