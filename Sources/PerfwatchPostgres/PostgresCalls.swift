import Foundation
import Logging
import PerfwatchAnalysis
import PostgresNIO
import Synchronization

/// Every query the advisor sends goes through here: counted and timed (the pass's cost), given
/// a deadline to get a connection (postgres-nio's pool retries a refused or rejected connection
/// for a minute before failing its waiters), and its errors turned into `DatabaseSourceError`.
final class PostgresCalls: Sendable {
    let running: RunningPostgresClient
    let acquireTimeout: Duration
    let counter = Mutex(DatabaseQueryCost(queries: 0, databaseMs: 0))

    init(running: RunningPostgresClient, acquireTimeout: Duration = .seconds(6)) {
        self.running = running
        self.acquireTimeout = acquireTimeout
    }

    var cost: DatabaseQueryCost { counter.withLock { $0 } }

    /// One query on `connection`, timed and counted; its rows collected.
    func query(_ connection: PostgresConnection, _ sql: String, _ binds: PostgresBindings = PostgresBindings()) async throws -> [PostgresRow] {
        let clock = ContinuousClock()
        let started = clock.now
        defer {
            let elapsed = clock.now - started
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            counter.withLock {
                $0.queries += 1
                $0.databaseMs += ms
            }
        }
        var rows: [PostgresRow] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: Self.logger) { rows.append(row) }
        return rows
    }

    /// `body` on one pooled connection; errors mapped. When no connection comes within
    /// `acquireTimeout`, the server is reached directly to say why (wrong password, refused).
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let acquired = AcquiredFlag()
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                let client = running.client
                group.addTask {
                    try await client.withConnection { connection in
                        acquired.value.store(true, ordering: .sequentiallyConsistent)
                        return try await body(connection)
                    }
                }
                group.addTask { [acquireTimeout] in
                    try await Task.sleep(for: acquireTimeout)
                    if acquired.value.load(ordering: .sequentiallyConsistent) { return nil }
                    throw AcquireTimeout()
                }
                while let result = try await group.next() {
                    if let value = result {
                        group.cancelAll()
                        return value
                    }
                }
                throw AcquireTimeout()
            }
        } catch is AcquireTimeout {
            throw DatabaseSourceError.unreachable(await diagnose())
        } catch {
            throw PostgresErrors.map(error)
        }
    }

    struct AcquireTimeout: Error {}

    /// Set once the pool hands out a connection (shared by the call and its deadline).
    final class AcquiredFlag: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// Why the pool gets no connection: one direct attempt, whose error is PostgreSQL's or the network's.
    func diagnose() async -> String {
        let pool = running.configuration
        guard let host = pool.host else { return "no connection within \(acquireTimeout)" }
        var direct = PostgresConnection.Configuration(
            host: host, port: pool.port ?? 5432, username: pool.username, password: pool.password, database: pool.database, tls: .disable)
        direct.options.connectTimeout = .seconds(5)
        do {
            let connection = try await PostgresConnection.connect(configuration: direct, id: 0, logger: Self.logger)
            try? await connection.close()
            return "no pooled connection within \(acquireTimeout) (a direct connection succeeded)"
        } catch {
            return PostgresErrors.message(error)
        }
    }

    static let logger = Logger(label: "perfwatch.postgres.advisor")
}
