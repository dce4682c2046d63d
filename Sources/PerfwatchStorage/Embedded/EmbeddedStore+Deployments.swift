import GRDB
public import PerfwatchModel

extension EmbeddedStore: DeploymentStore {
    static let deploymentColumns = "id, service, version, environment, time_ms, description, source"

    static func deployment(_ row: Row) -> Deployment {
        Deployment(
            id: row[0], service: row[1], version: row[2], environment: row[3], timeMs: row[4], description: row[5],
            source: Deployment.Source(rawValue: row[6]) ?? .api)
    }

    public func addDeployment(_ deployment: Deployment) async throws -> Deployment {
        try await pool.write { db in try Self.insert(deployment, db) }
    }

    public func addDetectedDeployment(_ deployment: Deployment) async throws -> Deployment? {
        try await pool.write { db in
            let exists = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM deployments WHERE service = ? AND version = ?)",
                arguments: [deployment.service, deployment.version]) ?? false
            return exists ? nil : try Self.insert(deployment, db)
        }
    }

    static func insert(_ deployment: Deployment, _ db: Database) throws -> Deployment {
        try db.execute(
            sql: "INSERT INTO deployments (service, version, environment, time_ms, description, source) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                deployment.service, deployment.version, deployment.environment, deployment.timeMs, deployment.description,
                deployment.source.rawValue,
            ])
        var stored = deployment
        stored.id = db.lastInsertedRowID
        return stored
    }

    public func deployments(service: String?, from: Int64, to: Int64, limit: Int) async throws -> [Deployment] {
        try await pool.read { db in
            var sql = "SELECT \(Self.deploymentColumns) FROM deployments WHERE time_ms BETWEEN ? AND ?"
            var arguments: StatementArguments = [from, to]
            if let service {
                sql += " AND service = ?"
                arguments += [service]
            }
            sql += " ORDER BY time_ms, id LIMIT \(max(1, min(limit, 10_000)))"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.deployment)
        }
    }

    public func deployment(id: Int64) async throws -> Deployment? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.deploymentColumns) FROM deployments WHERE id = ?", arguments: [id]).map(Self.deployment)
        }
    }

    public func deployedVersions() async throws -> Set<ServiceVersion> {
        try await pool.read { db in
            Set(try Row.fetchAll(db, sql: "SELECT DISTINCT service, version FROM deployments").map { ServiceVersion(service: $0[0], version: $0[1]) })
        }
    }
}
