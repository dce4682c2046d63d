import Foundation
import PerfwatchAnalysis
import PerfwatchIngest
@testable import PerfwatchPostgres
import PostgresNIO
import Testing

/// Issue 21 against a real PostgreSQL 15 with pg_stat_statements and hypopg (see TestDatabase).
@Suite("PostgreSQL advisor", .serialized, .enabled(if: TestDatabase.superuserURL != nil, TestDatabase.skipReason))
struct PostgresAdvisorTests {
    static func usage(_ statement: String) -> FingerprintUsage {
        FingerprintUsage(
            fingerprint: SQLFingerprint.fingerprint(ofNormalized: SQLFingerprint.normalize(statement)), statement: statement,
            routes: [RouteUse(service: "shop", route: "GET /orders", callsPerRequest: 1, shareOfP95: 0.7, p95Ms: 120)])
    }

    static let slow = "SELECT * FROM orders WHERE customer_id = 42"
    static let fast = "SELECT * FROM customers WHERE id = 7"

    /// One pass with a client made and shut down around it.
    static func pass(url: String, usage: [FingerprintUsage], settings: DatabaseAdvisorSettings = DatabaseAdvisorSettings()) async throws
        -> DatabaseAdvisorReport
    {
        let client = try RunningPostgresClient(url: url, readOnly: true)
        let report = await DatabaseAdvisor(database: "shop", source: PostgresDatabaseSource(client: client), settings: settings)
            .run(usage: usage, nowMs: 0)
        await client.shutdown()
        return report
    }

    @Test("An unindexed filter on 200k rows gets its index, proven > 2× cheaper; the primary-key lookup gets none")
    func suggestion() async throws {
        let database = try await TestDatabase.shopDatabase()
        let report = try await Self.pass(url: TestDatabase.url(database: database), usage: [Self.usage(Self.slow), Self.usage(Self.fast)])
        #expect(report.status == "ok", "\(report.notices) \(report.error ?? "")")
        let top = try #require(report.topQueries.first { $0.query == "SELECT * FROM orders WHERE customer_id = $1" })
        #expect(top.fingerprint == Self.usage(Self.slow).fingerprint && top.routes.first?.route == "GET /orders")
        let orders = report.suggestions.filter { $0.index.table == "orders" }
        #expect(orders.map(\.index.columns) == [["customer_id"]])
        let suggestion = try #require(orders.first)
        #expect(suggestion.costBefore > 2 * suggestion.costAfter, "\(suggestion.costBefore) → \(suggestion.costAfter)")
        #expect(suggestion.statements == [Self.slow])
        #expect(!report.suggestions.contains { $0.index.table == "customers" })
        let plan = try #require(report.plans.first { $0.statement == Self.slow })
        #expect(plan.parametersUsed && plan.root.allNodes.contains { $0.nodeType == "Seq Scan" && $0.relation == "orders" })
        #expect(report.plans.contains { $0.statement == Self.fast && $0.root.nodeType == "Index Scan" })
        // The pass counts what it sent: more than one query, none of them free.
        #expect(report.cost.queriesIssued > 5 && report.cost.databaseMs > 0 && report.cost.wallMs >= report.cost.databaseMs)
        // DDL from the setup is in pg_stat_statements: skipped with the reason.
        #expect(report.skipped.contains { $0.statement.hasPrefix("CREATE TABLE") && $0.reason.contains("DDL or utility statement") })
        // The advisor's own statements are not among the top queries.
        #expect(!report.topQueries.contains { $0.query.contains("perfwatch-advisor") })
    }

    @Test("Unused and duplicate indexes are flagged with their size")
    func hygiene() async throws {
        let database = try await TestDatabase.shopDatabase()
        let report = try await Self.pass(url: TestDatabase.url(database: database), usage: [])
        let audit = report.hygiene.filter { $0.index.table == "audit" }
        #expect(audit.map { "\($0.kind) \($0.index.name)" }.sorted() == ["duplicate audit_actor_idx", "unused audit_actor_at_idx"])
        #expect(audit.first { $0.kind == "duplicate" }?.coveredBy == "audit_actor_at_idx")
        #expect(audit.allSatisfy { $0.index.sizeBytes > 0 && $0.index.columns.first == "actor" })
        #expect(!report.hygiene.contains { $0.index.isPrimary })
    }

    @Test("Statements are read in keyset pages that add up to one read")
    func pages() async throws {
        let database = try await TestDatabase.shopDatabase()
        let client = try RunningPostgresClient(url: TestDatabase.url(database: database), readOnly: true)
        let source = PostgresDatabaseSource(client: client)
        let whole = try await source.topStatements(limit: 7, pageSize: 500)
        let before = await source.queryCost().queries
        let paged = try await source.topStatements(limit: 7, pageSize: 2)
        let pagesRead = await source.queryCost().queries - before
        await client.shutdown()
        #expect(whole.count == 7)
        #expect(paged.map(\.queryID) == whole.map(\.queryID))
        #expect(pagesRead == 4)
    }

    @Test("Of 50,000 statements, a pass reads its limit in pages of 500, never one result")
    func fiftyThousandStatements() async throws {
        let database = try await TestDatabase.manyStatementsDatabase()
        let client = try RunningPostgresClient(url: TestDatabase.url(database: database), readOnly: true)
        let source = PostgresDatabaseSource(client: client)
        let read = try await source.topStatements(limit: 5_000, pageSize: 500)
        let pages = await source.queryCost().queries
        let total = try await TestDatabase.rows(
            database, "SELECT 1 FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")
        // The default pass reads its 500 in one page.
        let report = await DatabaseAdvisor(database: "many", source: source, settings: DatabaseAdvisorSettings()).run(usage: [], nowMs: 0)
        await client.shutdown()
        #expect(total >= 50_000)
        #expect(read.count == 5_000 && pages == 10)
        #expect(Set(read.map(\.queryID)).count == read.count)
        #expect(zip(read, read.dropFirst()).allSatisfy { $0.totalMs >= $1.totalMs })
        #expect(report.topQueries.count == 500 && report.status == "degraded")  // no hypopg here
        // The pass stays bounded: 20 statements explained, whatever the number read.
        #expect(report.plans.count == 20 && report.plans.allSatisfy { $0.root.relation == "wide" })
    }

    @Test("Without hypopg: a notice with the fix, plans and hygiene still there")
    func withoutHypopg() async throws {
        let database = try await TestDatabase.bareDatabase()
        let report = try await Self.pass(
            url: TestDatabase.url(database: database), usage: [Self.usage("SELECT * FROM orders WHERE customer_id = 42")])
        #expect(report.status == "degraded")
        let notice = try #require(report.notices.first { $0.code == "hypopg_missing" })
        #expect(notice.fix?.hasPrefix("CREATE EXTENSION hypopg;") == true)
        #expect(report.extensions?.available.contains("hypopg") == true)
        #expect(report.suggestions.isEmpty)
        #expect(report.plans.contains { $0.statement == "SELECT * FROM orders WHERE customer_id = 42" })
        #expect(report.hygiene.contains { $0.index.name == "orders_status_idx" && $0.kind == "unused" })
        #expect(report.health != nil)
    }

    @Test("A wrong password: status unreachable with PostgreSQL's message, no crash")
    func wrongPassword() async throws {
        let database = try await TestDatabase.shopDatabase()
        let started = ContinuousClock.now
        let report = try await Self.pass(
            url: TestDatabase.url(user: TestDatabase.readOnlyRole, password: "wrong", database: database), usage: [Self.usage(Self.slow)])
        #expect(report.status == "unreachable")
        #expect(report.error?.contains("password authentication failed") == true, "\(report.error ?? "nil")")
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("Nothing listening: status unreachable")
    func refused() async throws {
        let parts = try #require(URLParts(TestDatabase.superuserURL ?? ""))
        let report = try await Self.pass(url: "postgres://nobody@\(parts.host):1/none", usage: [])
        #expect(report.status == "unreachable" && report.error?.isEmpty == false, "\(report.error ?? "nil")")
    }

    @Test("A busy pool is not an unreachable database: the call waits past the deadline for its connection")
    func busyPool() async throws {
        let database = try await TestDatabase.shopDatabase()
        var configuration = try PostgresConnectionSettings.configuration(url: TestDatabase.url(database: database))
        configuration.options.maximumConnections = 1
        let client = RunningPostgresClient(configuration: configuration)
        let calls = PostgresCalls(running: client, acquireTimeout: .milliseconds(300))
        let holder = Task { try await calls.withConnection { connection in try await calls.query(connection, "SELECT pg_sleep(1.2)").count } }
        try await Task.sleep(for: .milliseconds(100))
        let waited = try await calls.withConnection { connection in try await calls.query(connection, "SELECT 1").count }
        #expect(waited == 1)
        #expect(try await holder.value == 1)
        #expect(calls.cost.queries == 2)
        await client.shutdown()
    }

    @Test("createIndex builds the suggested index; dropIndex removes it")
    func createAndDrop() async throws {
        let database = try await TestDatabase.shopDatabase()
        let client = try RunningPostgresClient(url: TestDatabase.url(database: database), readOnly: false)
        let writer = PostgresDatabaseWriter(client: client)
        let index = IndexDefinition(table: "events", columns: ["kind"])
        try await writer.createIndex(index, lockTimeoutMs: 2000)
        let valid = "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = '\(IndexStatements.name(index))' AND i.indisvalid"
        #expect(try await TestDatabase.rows(database, valid) == 1)
        // The same again: PostgreSQL's message, and the valid index it collided with is kept.
        await #expect(throws: DatabaseSourceError.database(sqlState: "42P07", message: #"relation "perfwatch_events_kind_idx" already exists"#)) {
            try await writer.createIndex(index, lockTimeoutMs: 2000)
        }
        #expect(try await TestDatabase.rows(database, valid) == 1)
        try await writer.dropIndex(schema: "public", name: IndexStatements.name(index), lockTimeoutMs: 2000)
        #expect(try await TestDatabase.rows(database, valid) == 0)
        await client.shutdown()
    }

    @Test("A build that times out on a lock fails with PostgreSQL's message and leaves no invalid index")
    func lockTimeout() async throws {
        let database = try await TestDatabase.shopDatabase()
        try await TestDatabase.execute(database, ["CREATE TABLE IF NOT EXISTS locked (id serial PRIMARY KEY, kind text)", "INSERT INTO locked (kind) VALUES ('a')"])
        let index = IndexDefinition(table: "locked", columns: ["kind"])
        let client = try RunningPostgresClient(url: TestDatabase.url(database: database), readOnly: false)
        let writer = PostgresDatabaseWriter(client: client)
        // Another session writes to the table in an open transaction for 3 s: the concurrent build
        // waits for it past its lock timeout.
        let blocker = Task {
            try await TestDatabase.withConnection(database) { connection in
                try await connection.query("BEGIN", logger: PostgresCalls.logger)
                try await connection.query("INSERT INTO locked (kind) VALUES ('b')", logger: PostgresCalls.logger)
                try await Task.sleep(for: .seconds(3))
                try await connection.query("COMMIT", logger: PostgresCalls.logger)
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        var failure: DatabaseSourceError?
        do {
            try await writer.createIndex(index, lockTimeoutMs: 300)
        } catch let error as DatabaseSourceError {
            failure = error
        }
        try await blocker.value
        #expect(failure == .database(sqlState: "55P03", message: "canceling statement due to lock timeout"), "\(String(describing: failure))")
        let left = "SELECT 1 FROM pg_class WHERE relname = '\(IndexStatements.name(index))'"
        #expect(try await TestDatabase.rows(database, left) == 0)
        await client.shutdown()
    }

    @Test("A role that may not create indexes gets permissionDenied")
    func readOnlyRole() async throws {
        let database = try await TestDatabase.shopDatabase()
        let client = try RunningPostgresClient(
            url: TestDatabase.url(user: TestDatabase.readOnlyRole, password: TestDatabase.password, database: database), readOnly: false)
        let writer = PostgresDatabaseWriter(client: client)
        var failure: DatabaseSourceError?
        do {
            try await writer.createIndex(IndexDefinition(table: "events", columns: ["id", "kind"]), lockTimeoutMs: 1000)
        } catch let error as DatabaseSourceError {
            failure = error
        }
        await client.shutdown()
        guard case .permissionDenied(let message) = failure else {
            Issue.record("expected permissionDenied, got \(String(describing: failure))")
            return
        }
        #expect(message.contains("must be owner of table events"), "\(message)")
    }

    @Test("The monitoring role (pg_monitor, read-only sessions) can run a whole pass")
    func monitorRole() async throws {
        let database = try await TestDatabase.shopDatabase()
        let report = try await Self.pass(
            url: TestDatabase.url(user: TestDatabase.readOnlyRole, password: TestDatabase.password, database: database), usage: [Self.usage(Self.slow)])
        #expect(report.status == "ok", "\(report.notices)")
        #expect(report.suggestions.contains { $0.index == IndexDefinition(table: "orders", columns: ["customer_id"]) })
    }
}
