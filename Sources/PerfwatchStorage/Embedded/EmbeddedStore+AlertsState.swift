import GRDB

/// API alert rules, silences and alerting runtime snapshots (migration `v9-alert-rules-and-state`).
extension EmbeddedStore: AlertStateStore {
    public func alertRules() async throws -> [StoredAlertRule] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, group_name, interval_ms, rule_json, created_ms, updated_ms FROM alert_rules ORDER BY group_name, name"
            ).map { row in
                StoredAlertRule(name: row[0], group: row[1], intervalMs: row[2], ruleJSON: row[3], createdMs: row[4], updatedMs: row[5])
            }
        }
    }

    public func saveAlertRule(_ rule: StoredAlertRule) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO alert_rules (name, group_name, interval_ms, rule_json, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET group_name = excluded.group_name, interval_ms = excluded.interval_ms,
                        rule_json = excluded.rule_json, updated_ms = excluded.updated_ms
                    """, arguments: [rule.name, rule.group, rule.intervalMs, rule.ruleJSON, rule.createdMs, rule.updatedMs])
        }
    }

    public func deleteAlertRule(name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM alert_rules WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func silences(nowMs: Int64) async throws -> [String] {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM alert_silences WHERE ends_ms <= ?", arguments: [nowMs])
            return try String.fetchAll(db, sql: "SELECT json FROM alert_silences ORDER BY ends_ms, id")
        }
    }

    public func saveSilence(id: String, json: String, endsMs: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO alert_silences (id, json, ends_ms) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json, ends_ms = excluded.ends_ms",
                arguments: [id, json, endsMs])
        }
    }

    public func deleteSilence(id: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM alert_silences WHERE id = ?", arguments: [id]) }
    }

    public func alertRuntimeState(_ name: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT json FROM alert_runtime_state WHERE name = ?", arguments: [name]) }
    }

    public func saveAlertRuntimeState(_ name: String, json: String, atMs: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO alert_runtime_state (name, json, saved_ms) VALUES (?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET json = excluded.json, saved_ms = excluded.saved_ms
                    """, arguments: [name, json, atMs])
        }
    }
}
