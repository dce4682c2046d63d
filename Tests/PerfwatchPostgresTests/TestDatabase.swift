import Foundation
import PerfwatchAnalysis
@testable import PerfwatchPostgres
import PostgresNIO
import Testing

/// A database of its own on the PostgreSQL at `PERFWATCH_TEST_POSTGRES_URL` (a superuser URL;
/// `scripts/start_postgres.sh` starts one): made once per process with the shop schema the
/// tests read, dropped never (the cluster is a throwaway).
enum TestDatabase {
    static let environmentKey = "PERFWATCH_TEST_POSTGRES_URL"
    static let superuserURL = ProcessInfo.processInfo.environment[environmentKey]
    static let skipReason: Comment = "PERFWATCH_TEST_POSTGRES_URL is unset: scripts/start_postgres.sh starts a private PostgreSQL and prints it"
    static let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)

    /// The URL with another role, password and database.
    static func url(user: String? = nil, password: String? = nil, database: String) -> String {
        let parts = URLParts(superuserURL ?? "")!
        let credentials = (user ?? parts.user) + (password.map { ":" + $0 } ?? (user == nil ? parts.password.map { ":" + $0 } ?? "" : ""))
        return "postgres://\(credentials)@\(parts.host):\(parts.port)/\(database)"
    }

    /// Runs each statement as the superuser on `database`.
    static func execute(_ database: String, _ statements: [String]) async throws {
        try await withConnection(database) { connection in
            for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresCalls.logger) }
        }
    }

    /// How many rows `sql` returns.
    static func rows(_ database: String, _ sql: String) async throws -> Int {
        try await withConnection(database) { connection in
            var count = 0
            for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresCalls.logger) { count += 1 }
            return count
        }
    }

    /// A direct superuser connection to `database`, closed after `body`.
    static func withConnection<T>(_ database: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let parts = URLParts(url(database: database))!
        var configuration = PostgresConnection.Configuration(
            host: parts.host, port: parts.port, username: parts.user, password: parts.password, database: parts.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: PostgresCalls.logger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The shop: 200k orders without an index on customer_id, 20k customers by primary key,
    /// an `audit` table with an unused and a duplicate index, and a read-only role.
    static let shop: String = "perfwatch_shop_\(suffix)"
    static let readOnlyRole = "perfwatch_ro_\(suffix)"
    static let password = "s3cret-\(suffix)"

    actor Once {
        var made: [String: Task<Void, any Error>] = [:]
        func make(_ name: String, _ body: @escaping @Sendable () async throws -> Void) async throws {
            if let task = made[name] { return try await task.value }
            let task = Task { try await body() }
            made[name] = task
            try await task.value
        }
    }
    static let once = Once()

    static func shopDatabase() async throws -> String {
        try await once.make(shop) {
            try await execute("postgres", ["CREATE DATABASE \(shop)", "CREATE ROLE \(readOnlyRole) LOGIN PASSWORD '\(password)' IN ROLE pg_monitor"])
            try await execute(shop, [
                "CREATE EXTENSION pg_stat_statements", "CREATE EXTENSION hypopg",
                "GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(readOnlyRole)",
                "CREATE TABLE customers (id serial PRIMARY KEY, email text, country text)",
                "CREATE TABLE orders (id serial PRIMARY KEY, customer_id int, status text, created_at timestamptz, total numeric)",
                "INSERT INTO customers (email, country) SELECT 'u' || g || '@x.io', (ARRAY['fr','de','us'])[1 + g % 3] FROM generate_series(1, 20000) g",
                """
                INSERT INTO orders (customer_id, status, created_at, total) SELECT 1 + g % 20000, (ARRAY['paid','new','void','shipped'])[1 + g % 4],
                now() - (g || ' minutes')::interval, g % 500 FROM generate_series(1, 200000) g
                """,
                "CREATE TABLE audit (id serial PRIMARY KEY, at timestamptz, actor text, note text)",
                "INSERT INTO audit (at, actor, note) SELECT now(), 'a' || g % 50, 'n' FROM generate_series(1, 5000) g",
                "CREATE INDEX audit_actor_idx ON audit (actor)", "CREATE INDEX audit_actor_at_idx ON audit (actor, at)",
                "CREATE TABLE events (id serial PRIMARY KEY, kind text)",
                "INSERT INTO events (kind) SELECT 'k' || g % 100 FROM generate_series(1, 20000) g",
                "GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(readOnlyRole)",
                "ANALYZE",
                // The application's workload, so pg_stat_statements has it.
                "SELECT * FROM orders WHERE customer_id = 42", "SELECT * FROM orders WHERE customer_id = 43",
                "SELECT * FROM customers WHERE id = 7", "SELECT * FROM customers WHERE id = 8",
            ])
        }
        return shop
    }

    /// 50,000 distinct statements in pg_stat_statements: the select lists of a 16-column table
    /// (column names are part of a statement's identity, aliases and constants are not), run from one DO block.
    static func manyStatementsDatabase() async throws -> String {
        let name = "perfwatch_many_\(suffix)"
        try await once.make(name) {
            // Earlier runs' 50k statements would crowd pg_stat_statements.max: forget them first.
            let stale = "SELECT datname FROM pg_database WHERE datname LIKE 'perfwatch_many_%'"
            let names = try await withConnection("postgres") { connection in
                var names: [String] = []
                for try await (old) in try await connection.query(PostgresQuery(unsafeSQL: stale), logger: PostgresCalls.logger).decode(String.self) {
                    names.append(old)
                }
                return names
            }
            for old in names {
                try await execute(old, ["SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)"])
                try await execute("postgres", ["DROP DATABASE \(old) WITH (FORCE)"])
            }
            try await execute("postgres", ["CREATE DATABASE \(name)"])
            try await execute(name, [
                "CREATE EXTENSION pg_stat_statements",
                "CREATE TABLE wide (" + (1...16).map { "c\($0) int" }.joined(separator: ", ") + ")",
                """
                DO $$ DECLARE columns text; BEGIN
                  FOR i IN 1..50000 LOOP
                    SELECT string_agg('c' || b, ', ') INTO columns FROM generate_series(1, 16) b WHERE (i >> (b - 1)) & 1 = 1;
                    EXECUTE 'SELECT ' || columns || ' FROM wide';
                  END LOOP;
                END $$
                """,
            ])
        }
        return name
    }

    /// The same schema, smaller, in a database without hypopg.
    static func bareDatabase() async throws -> String {
        let name = "perfwatch_bare_\(suffix)"
        try await once.make(name) {
            try await execute("postgres", ["CREATE DATABASE \(name)"])
            try await execute(name, [
                "CREATE EXTENSION pg_stat_statements",
                "CREATE TABLE orders (id serial PRIMARY KEY, customer_id int, status text)",
                "INSERT INTO orders (customer_id, status) SELECT g % 1000, 'paid' FROM generate_series(1, 50000) g",
                "CREATE INDEX orders_status_idx ON orders (status)", "ANALYZE", "SELECT * FROM orders WHERE customer_id = 42",
            ])
        }
        return name
    }
}
