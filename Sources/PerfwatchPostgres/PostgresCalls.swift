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
    /// `acquireTimeout`, the server is reached directly to say why (wrong password, refused);
    /// if it answers, the pool is only busy, and the call waits for it after all.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            do {
                return try await withAcquireDeadline(body)
            } catch is AcquireTimeout {
                if let problem = await diagnose() { throw DatabaseSourceError.unreachable(problem) }
                return try await running.client.withConnection { try await body($0) }
            }
        } catch {
            throw PostgresErrors.map(error)
        }
    }

    /// `body` on a pooled connection, or `AcquireTimeout` when none came in time — never both:
    /// the first of the two to settle `Acquisition` wins, so a body that starts always finishes.
    func withAcquireDeadline<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let acquisition = Acquisition()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            let client = running.client
            group.addTask {
                try await client.withConnection { connection in
                    guard acquisition.settle(.acquired) else { throw AcquireTimeout() }
                    return try await body(connection)
                }
            }
            group.addTask { [acquireTimeout] in
                try await Task.sleep(for: acquireTimeout)
                if acquisition.settle(.timedOut) { throw AcquireTimeout() }
                return nil
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw AcquireTimeout()
        }
    }

    struct AcquireTimeout: Error {}

    /// Whether the pool's connection or the deadline came first (shared by the call and its deadline).
    final class Acquisition: Sendable {
        enum Outcome: Int { case waiting = 0, acquired, timedOut }
        let state = Atomic<Int>(Outcome.waiting.rawValue)

        /// True when `outcome` is the first: the state was still waiting.
        func settle(_ outcome: Outcome) -> Bool {
            state.compareExchange(expected: Outcome.waiting.rawValue, desired: outcome.rawValue, ordering: .sequentiallyConsistent).exchanged
        }
    }

    /// Why the pool gets no connection: one direct attempt, whose error is PostgreSQL's or the
    /// network's; nil when it connects (the server is there, the pool was busy).
    func diagnose() async -> String? {
        let pool = running.configuration
        guard let host = pool.host else { return "no connection within \(acquireTimeout)" }
        var direct = PostgresConnection.Configuration(
            host: host, port: pool.port ?? 5432, username: pool.username, password: pool.password, database: pool.database, tls: .disable)
        direct.options.connectTimeout = .seconds(5)
        do {
            let connection = try await PostgresConnection.connect(configuration: direct, id: 0, logger: Self.logger)
            try? await connection.close()
            return nil
        } catch {
            return PostgresErrors.message(error)
        }
    }

    static let logger = Logger(label: "perfwatch.postgres.advisor")
}
