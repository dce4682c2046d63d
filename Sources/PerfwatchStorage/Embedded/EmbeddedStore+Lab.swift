import GRDB

extension EmbeddedStore: LabStore {
    public func addAudit(url: String, device: String, score: Double, startedMs: Int64, json: String) async throws -> StoredAudit {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO audits (url, device, score, started_ms, json) VALUES (?, ?, ?, ?, ?)",
                arguments: [url, device, score, startedMs, json])
            return StoredAudit(id: db.lastInsertedRowID, url: url, device: device, score: score, startedMs: startedMs, json: json)
        }
    }

    public func audit(id: Int64) async throws -> StoredAudit? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, url, device, score, started_ms, json FROM audits WHERE id = ?", arguments: [id]).map(Self.audit)
        }
    }

    public func audits(url: String?, limit: Int) async throws -> [StoredAudit] {
        try await pool.read { db in
            if let url {
                return try Row.fetchAll(
                    db, sql: "SELECT id, url, device, score, started_ms, json FROM audits WHERE url = ? ORDER BY started_ms DESC, id DESC LIMIT ?",
                    arguments: [url, limit]
                ).map(Self.audit)
            }
            return try Row.fetchAll(
                db, sql: "SELECT id, url, device, score, started_ms, json FROM audits ORDER BY started_ms DESC, id DESC LIMIT ?", arguments: [limit]
            ).map(Self.audit)
        }
    }

    public func auditedURLs() async throws -> [(url: String, count: Int)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT url, COUNT(*) FROM audits GROUP BY url ORDER BY url").map { row -> (url: String, count: Int) in
                (url: row[0], count: row[1])
            }
        }
    }

    public func labDefinitions(_ kind: LabDefinitionKind) async throws -> [StoredLabDefinition] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, json, created_ms, updated_ms FROM \(kind.rawValue) ORDER BY name").map {
                StoredLabDefinition(name: $0[0], json: $0[1], createdMs: $0[2], updatedMs: $0[3])
            }
        }
    }

    public func saveLabDefinition(_ kind: LabDefinitionKind, name: String, json: String, nowMs: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO \(kind.rawValue) (name, json, created_ms, updated_ms) VALUES (?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET json = excluded.json, updated_ms = excluded.updated_ms
                    """,
                arguments: [name, json, nowMs, nowMs])
        }
    }

    public func deleteLabDefinition(_ kind: LabDefinitionKind, name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM \(kind.rawValue) WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    static func audit(_ row: Row) -> StoredAudit {
        StoredAudit(id: row[0], url: row[1], device: row[2], score: row[3], startedMs: row[4], json: row[5])
    }
}
