public import PerfwatchAnalysis
import PostgresNIO

/// `apply`'s side (a role allowed to create indexes). `CREATE INDEX CONCURRENTLY` cannot run in
/// a transaction, so `lock_timeout` is set on the session and reset after; a concurrent build
/// that fails leaves an INVALID index behind, which is dropped before the error is thrown.
public final class PostgresDatabaseWriter: DatabaseWriter {
    let calls: PostgresCalls
    static let cleanupLockTimeoutSeconds = 30

    public init(client: RunningPostgresClient) {
        calls = PostgresCalls(running: client)
    }

    public func createIndex(_ definition: IndexDefinition, lockTimeoutMs: Int) async throws {
        let create = IndexStatements.create(definition)
        let name = IndexStatements.name(definition)
        let drop = IndexStatements.drop(definition)
        try await calls.withConnection { [calls] connection in
            _ = try await calls.query(connection, "SET lock_timeout = \(max(1, lockTimeoutMs))")
            do {
                _ = try await calls.query(connection, create)
            } catch {
                var binds = PostgresBindings()
                binds.append(definition.schema)
                binds.append(name)
                let invalid = try? await calls.query(
                    connection,
                    """
                    SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = $1 AND c.relname = $2 AND NOT i.indisvalid
                    """, binds)
                var failure = PostgresErrors.map(error)
                if let invalid, !invalid.isEmpty {
                    // The drop waits for the same transactions the build waited for: give them
                    // time to end (a build left INVALID is a cost on every write).
                    _ = try? await calls.query(connection, "SET lock_timeout = '\(Self.cleanupLockTimeoutSeconds)s'")
                    do {
                        _ = try await calls.query(connection, drop)
                    } catch let dropError {
                        let message = "\(PostgresErrors.message(error)); the INVALID index \(name) it left could not be dropped (\(PostgresErrors.message(dropError))): run \(drop)"
                        if case .database(let state, _) = failure { failure = .database(sqlState: state, message: message) }
                    }
                }
                _ = try? await calls.query(connection, "RESET lock_timeout")
                throw failure
            }
            _ = try await calls.query(connection, "RESET lock_timeout")
        }
    }

    public func dropIndex(schema: String, name: String, lockTimeoutMs: Int) async throws {
        try await calls.withConnection { [calls] connection in
            _ = try await calls.query(connection, "SET lock_timeout = \(max(1, lockTimeoutMs))")
            do {
                _ = try await calls.query(connection, "DROP INDEX CONCURRENTLY IF EXISTS \(IndexStatements.quoted(schema)).\(IndexStatements.quoted(name))")
            } catch {
                _ = try? await calls.query(connection, "RESET lock_timeout")
                throw error
            }
            _ = try await calls.query(connection, "RESET lock_timeout")
        }
    }

    /// Statements issued and their time (for the apply's record).
    public func queryCost() -> DatabaseQueryCost { calls.cost }
}
