import GRDB
public import PerfwatchModel

extension EmbeddedStore: EdgePolicyStore {
    public func addEdgePolicy(_ policy: StoredEdgePolicy) async throws {
        try await pool.write { db in
            let latest = try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM edge_policies") ?? 0
            guard policy.version == latest + 1 else {
                throw PerfwatchError(.conflict, "edge policy version \(policy.version) does not follow the latest, \(latest)")
            }
            try db.execute(
                sql: "INSERT INTO edge_policies (version, json, published_ms, reason) VALUES (?, ?, ?, ?)",
                arguments: [policy.version, policy.json, policy.publishedMs, policy.reason])
        }
    }

    public func edgePolicy(version: Int64) async throws -> StoredEdgePolicy? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT version, json, published_ms, reason FROM edge_policies WHERE version = ?", arguments: [version])
                .map(Self.edgePolicy)
        }
    }

    public func edgePolicies(limit: Int) async throws -> [StoredEdgePolicy] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT version, json, published_ms, reason FROM edge_policies ORDER BY version DESC LIMIT \(max(1, min(limit, 1000)))"
            ).map(Self.edgePolicy)
        }
    }

    static func edgePolicy(_ row: Row) -> StoredEdgePolicy {
        StoredEdgePolicy(version: row[0], json: row[1], publishedMs: row[2], reason: row[3])
    }
}
