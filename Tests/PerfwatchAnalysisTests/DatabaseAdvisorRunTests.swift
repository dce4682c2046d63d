import PerfwatchModel
@testable import PerfwatchAnalysis
import Testing

/// Issue 21: one advisor pass over a database given as literal rows (what PostgreSQL returned in
/// the integration tests, `Tests/PerfwatchPostgresTests`), so the pass's logic is tested alone.
@Suite("Database advisor pass")
struct DatabaseAdvisorRunTests {
    /// A database as rows: each call answers from them and counts itself.
    actor LiteralDatabase: DatabaseSource {
        var extensionRow = DatabaseExtensions(pgStatStatements: true, hypopg: true, available: [], statementsPreloaded: true)
        var statements: [StatementStats] = []
        /// EXPLAIN output by statement.
        var plans: [String: String] = [:]
        /// Hypothetical cost by index columns.
        var hypothetical: [[String]: Double] = [:]
        var indexRows: [IndexStats] = []
        var tableRows: [TableStats] = []
        var healthRow = DatabaseHealth(
            heapHitRatio: 0.999, indexHitRatio: 0.999, maxConnections: 100, connectionsByState: ["active": 1], longRunning: [], lockWaits: [])
        var failure: DatabaseSourceError?
        var calls = 0
        var explained: [String] = []

        func set(_ change: @Sendable (isolated LiteralDatabase) -> Void) { change(self) }

        func call() throws {
            calls += 1
            if let failure { throw failure }
        }

        func extensions() async throws -> DatabaseExtensions {
            try call()
            return extensionRow
        }
        func topStatements(limit: Int, pageSize: Int) async throws -> [StatementStats] {
            try call()
            return Array(statements.prefix(limit))
        }
        func explain(_ statement: String, parameters: [String?], analyze: Bool) async throws -> String {
            try call()
            explained.append(statement)
            guard let plan = plans[statement] else { throw DatabaseSourceError.database(sqlState: "42P01", message: "relation does not exist") }
            return plan
        }
        func hypotheticalCost(_ statement: String, parameters: [String?], indexes: [IndexDefinition]) async throws -> Double {
            try call()
            guard extensionRow.hypopg else { throw DatabaseSourceError.missingExtension("hypopg") }
            guard let cost = hypothetical[indexes[0].columns] else {
                throw DatabaseSourceError.database(sqlState: "42703", message: "column does not exist")
            }
            return cost
        }
        func indexes() async throws -> [IndexStats] {
            try call()
            return indexRows
        }
        func tables() async throws -> [TableStats] {
            try call()
            return tableRows
        }
        func health() async throws -> DatabaseHealth {
            try call()
            return healthRow
        }
        func queryCost() async -> DatabaseQueryCost { DatabaseQueryCost(queries: calls, databaseMs: Double(calls) * 0.5) }
    }

    static let sample = "SELECT * FROM orders WHERE customer_id = 42 AND status = 'paid'"
    static let fastSample = "SELECT * FROM customers WHERE id = 7"
    static let route = RouteUse(service: "shop", route: "GET /orders", callsPerRequest: 1, shareOfP95: 0.8, p95Ms: 250)

    static func stats(_ id: Int64, _ query: String, totalMs: Double) -> StatementStats {
        StatementStats(queryID: id, query: query, calls: 100, totalMs: totalMs, meanMs: totalMs / 100, rows: 100, sharedBlocksHit: 90, sharedBlocksRead: 10)
    }

    static func shop() async -> LiteralDatabase {
        let database = LiteralDatabase()
        await database.set {
            $0.statements = [
                stats(1, "SELECT * FROM orders WHERE customer_id = $1 AND status = $2", totalMs: 9000),
                stats(2, "CREATE INDEX CONCURRENTLY orders_note ON orders (note)", totalMs: 5000),
                stats(3, "SELECT * FROM orders WHERE total > $1", totalMs: 4000),
                stats(4, "SELECT * FROM customers WHERE id = $1", totalMs: 10),
            ]
            $0.plans = [
                sample: DatabaseAdvisorRulesTests.ordersByCustomerPlan, fastSample: DatabaseAdvisorRulesTests.primaryKeyPlan,
            ]
            $0.hypothetical = [["customer_id"]: 41.8, ["status"]: 3900, ["customer_id", "status"]: 41.0, ["status", "customer_id"]: 41.0]
            $0.indexRows = DatabaseAdvisorRulesTests.primaryKeys + [
                DatabaseAdvisorRulesTests.index("orders_note_idx", "orders", ["note"], scans: 2),
                DatabaseAdvisorRulesTests.index("orders_total_idx", "orders", ["total"]),
                DatabaseAdvisorRulesTests.index("orders_total_id_idx", "orders", ["total", "id"]),
            ]
            $0.tableRows = [DatabaseAdvisorRulesTests.table("orders", live: 200_000, dead: 80_000)]
        }
        return database
    }

    static let usage = [
        FingerprintUsage(fingerprint: StatementMatching.fingerprint(of: sample), statement: sample, routes: [route]),
        FingerprintUsage(fingerprint: StatementMatching.fingerprint(of: fastSample), statement: fastSample, routes: [route]),
    ]

    @Test("A pass: top queries matched to routes, the slow query's index proven, the fast one left alone, DDL and unknown parameters skipped")
    func pass() async throws {
        let database = await Self.shop()
        let report = await DatabaseAdvisor(database: "app", source: database, settings: DatabaseAdvisorSettings()).run(usage: Self.usage, nowMs: 1_000)
        #expect(report.status == "ok" && report.error == nil && report.notices.isEmpty)
        #expect(report.topQueries.map(\.queryID) == [1, 2, 3, 4])
        #expect(report.topQueries[0].fingerprint == Self.usage[0].fingerprint && report.topQueries[0].routes == [Self.route])
        #expect(report.topQueries[0].hitRatio == 0.9)
        #expect(report.topQueries[2].fingerprint == nil)

        #expect(report.plans.map(\.statement) == [Self.sample, Self.fastSample])
        #expect(report.plans[0].parametersUsed && report.plans[0].queryID == 1 && report.plans[0].costlyNodePath == [0])
        #expect(report.skipped.map(\.reason) == [
            "CREATE is a DDL or utility statement: only SELECT, INSERT, UPDATE, DELETE and VALUES have plans",
            "parameters unknown: no recent sample with values",
        ])

        // The pair is within 5% of customer_id alone: the narrower index is suggested.
        #expect(report.suggestions.count == 1)
        let suggestion = try #require(report.suggestions.first)
        #expect(suggestion.index == IndexDefinition(table: "orders", columns: ["customer_id"]))
        #expect(suggestion.id == "public.orders(customer_id)")
        #expect(suggestion.createStatement == #"CREATE INDEX CONCURRENTLY "perfwatch_orders_customer_id_idx" ON "public"."orders" ("customer_id")"#)
        #expect(suggestion.costBefore == 4235.91 && suggestion.costAfter == 41.8)
        #expect(suggestion.routes == [Self.route] && suggestion.statements == [Self.sample])
        #expect(suggestion.expectedEffect.contains("GET /orders: this query is 80% of its p95 250 ms, expect ≈ 198 ms less"), "\(suggestion.expectedEffect)")

        #expect(report.hygiene.map(\.kind) == ["unused", "duplicate"])
        #expect(report.health?.bloatedTables.map(\.name) == ["orders"])
        // extensions, statements, indexes, 2 explains, 4 hypothetical, tables, health.
        #expect(report.cost.queriesIssued == 11 && report.cost.databaseMs == 5.5)
    }

    @Test("The explain budget counts statements explained, slowest first")
    func explainLimit() async {
        let database = await Self.shop()
        let report = await DatabaseAdvisor(database: "app", source: database, settings: DatabaseAdvisorSettings(explainLimit: 1)).run(usage: Self.usage, nowMs: 0)
        #expect(report.plans.map(\.statement) == [Self.sample])
        #expect(await database.explained == [Self.sample])
    }

    @Test("An unreachable database is a status with the driver's message, not a crash")
    func unreachable() async {
        let database = await Self.shop()
        await database.set { $0.failure = .unreachable(#"password authentication failed for user "monitor""#) }
        let report = await DatabaseAdvisor(database: "app", source: database, settings: DatabaseAdvisorSettings()).run(usage: Self.usage, nowMs: 5)
        #expect(report.status == "unreachable")
        #expect(report.error == #"password authentication failed for user "monitor""#)
        #expect(report.topQueries.isEmpty && report.suggestions.isEmpty && report.cost.queriesIssued == 1)
    }

    @Test("Missing extensions: each reported with its fix, the rest still done")
    func missingExtensions() async {
        let database = await Self.shop()
        await database.set { $0.extensionRow = DatabaseExtensions(pgStatStatements: false, hypopg: false, available: ["hypopg"], statementsPreloaded: false) }
        let report = await DatabaseAdvisor(database: "app", source: database, settings: DatabaseAdvisorSettings()).run(usage: Self.usage, nowMs: 5)
        #expect(report.status == "degraded")
        #expect(report.notices.map(\.code) == ["pg_stat_statements_missing", "hypopg_missing"])
        #expect(report.notices[0].fix?.contains("shared_preload_libraries = 'pg_stat_statements'") == true)
        #expect(report.notices[1].fix == "CREATE EXTENSION hypopg;")
        // Plans from the spans' samples, hygiene and health, without statistics or suggestions.
        #expect(report.topQueries.isEmpty && report.suggestions.isEmpty)
        #expect(report.plans.map(\.statement) == [Self.sample, Self.fastSample])
        #expect(!report.hygiene.isEmpty && report.health != nil)

        let issues = DatabaseAdvisorIssues.issues(from: report, nowMs: 5)
        #expect(issues.filter { $0.type == "db_extension_missing" }.map(\.recommendation).contains("CREATE EXTENSION hypopg;"))
    }

    @Test("A permission error on one part is a notice; the others are read")
    func permissionDenied() async {
        actor NoIndexes: DatabaseSource {
            let base: LiteralDatabase
            init(_ base: LiteralDatabase) { self.base = base }
            func extensions() async throws -> DatabaseExtensions { try await base.extensions() }
            func topStatements(limit: Int, pageSize: Int) async throws -> [StatementStats] { try await base.topStatements(limit: limit, pageSize: pageSize) }
            func explain(_ s: String, parameters: [String?], analyze: Bool) async throws -> String { try await base.explain(s, parameters: parameters, analyze: analyze) }
            func hypotheticalCost(_ s: String, parameters: [String?], indexes: [IndexDefinition]) async throws -> Double {
                try await base.hypotheticalCost(s, parameters: parameters, indexes: indexes)
            }
            func indexes() async throws -> [IndexStats] { throw DatabaseSourceError.permissionDenied("permission denied for table pg_index") }
            func tables() async throws -> [TableStats] { try await base.tables() }
            func health() async throws -> DatabaseHealth { try await base.health() }
            func queryCost() async -> DatabaseQueryCost { await base.queryCost() }
        }
        let report = await DatabaseAdvisor(database: "app", source: NoIndexes(await Self.shop()), settings: DatabaseAdvisorSettings()).run(usage: Self.usage, nowMs: 5)
        #expect(report.status == "degraded")
        #expect(report.notices.map(\.code) == ["permission_denied"])
        #expect(report.notices[0].message == "Reading indexes: permission denied for table pg_index")
        #expect(!report.topQueries.isEmpty && report.health != nil)
    }

    @Test("Findings become issues with evidence, stable fingerprints and severity held to impact")
    func issues() async {
        let database = await Self.shop()
        await database.set {
            $0.healthRow = DatabaseHealth(
                heapHitRatio: 0.9, indexHitRatio: 0.999, maxConnections: 20, connectionsByState: ["active": 18], longRunning: [
                    .init(pid: 42, durationMs: 120_000, state: "active", query: "SELECT pg_sleep(1000)")
                ], lockWaits: [.init(waitingPID: 43, blockingPID: 42, waitingMs: 3000, query: "UPDATE orders SET status = 'x'")])
        }
        let report = await DatabaseAdvisor(database: "app", source: database, settings: DatabaseAdvisorSettings()).run(usage: Self.usage, nowMs: 7)
        let issues = DatabaseAdvisorIssues.issues(from: report, nowMs: 7)
        #expect(
            issues.map(\.type) == [
                "db_missing_index", "db_unused_index", "db_duplicate_index", "db_cache_hit_ratio", "db_connections", "db_long_running", "db_lock_waits", "db_bloat",
            ])
        #expect(Set(issues.map(\.type)).isSubset(of: DatabaseAdvisorIssues.types))
        let missing = issues[0]
        #expect(missing.fingerprint == "db_missing_index|app|public.orders(customer_id)")
        #expect(missing.service == "shop" && missing.route == "GET /orders")
        #expect((missing.impactMs * 10).rounded() / 10 == 198.0 && missing.severity == "warning")
        #expect(missing.evidence.contains(#""costBefore":4235.91"#) && missing.evidence.contains(#""database":"app""#))
        #expect(missing.recommendation.hasPrefix(#"CREATE INDEX CONCURRENTLY "perfwatch_orders_customer_id_idx""#))
        // Hygiene is worth knowing; health findings keep their judgement (no latency figure to hold them to).
        #expect(issues.map(\.severity) == ["warning", "info", "info", "warning", "warning", "warning", "warning", "warning"])
        #expect(issues.dropFirst().allSatisfy { $0.impactMs == 0 })
        #expect(issues[1].evidence.contains(#""index":"orders_note_idx""#))
        #expect(issues.allSatisfy { $0.firstSeenMs == 7 && $0.status == .open })
        #expect(issues.last?.description.contains("last vacuum: never") == true)
        var vacuumed = DatabaseAdvisorRulesTests.table("orders", live: 1, dead: 1)
        vacuumed.lastVacuumMs = 1_000
        #expect(DatabaseAdvisorIssues.lastVacuum(vacuumed, nowMs: 1_000 + 26 * 3_600_000 + 5) == "1d ago")
        #expect(DatabaseAdvisorIssues.lastVacuum(vacuumed, nowMs: 1_000 + 5 * 3_600_000 + 61_000) == "5h ago")
    }
}
