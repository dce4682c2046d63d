import GRDB

extension EmbeddedStore: DashboardStore {
    public func addDashboard(name: String, json: String, nowMs: Int64) async throws -> StoredDashboard {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO dashboards (name, json, created_ms, updated_ms) VALUES (?, ?, ?, ?)", arguments: [name, json, nowMs, nowMs])
            return StoredDashboard(id: db.lastInsertedRowID, name: name, json: json, createdMs: nowMs, updatedMs: nowMs)
        }
    }

    public func dashboard(id: Int64) async throws -> StoredDashboard? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, json, created_ms, updated_ms FROM dashboards WHERE id = ?", arguments: [id]).map(Self.dashboard)
        }
    }

    public func dashboards() async throws -> [StoredDashboard] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, json, created_ms, updated_ms FROM dashboards ORDER BY name, id").map(Self.dashboard)
        }
    }

    public func updateDashboard(id: Int64, name: String, json: String, nowMs: Int64) async throws -> StoredDashboard? {
        try await pool.write { db in
            try db.execute(sql: "UPDATE dashboards SET name = ?, json = ?, updated_ms = ? WHERE id = ?", arguments: [name, json, nowMs, id])
            guard db.changesCount > 0 else { return nil }
            return try Row.fetchOne(db, sql: "SELECT id, name, json, created_ms, updated_ms FROM dashboards WHERE id = ?", arguments: [id])
                .map(Self.dashboard)
        }
    }

    public func deleteDashboard(id: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM dashboards WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    static func dashboard(_ row: Row) -> StoredDashboard {
        StoredDashboard(id: row[0], name: row[1], json: row[2], createdMs: row[3], updatedMs: row[4])
    }
}
