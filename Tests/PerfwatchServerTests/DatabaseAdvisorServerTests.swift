import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PerfwatchAnalysis
import PerfwatchModel
@testable import PerfwatchServer
import PerfwatchServerTesting
import PerfwatchStorage
import PerfwatchTesting
import Synchronization
import Testing

/// The database advisor's server side (issue 21) over test doubles of the database: the pass
/// service's status and back-off, and index suggestions as `db_index` optimizations in a real store.
@Suite("Database advisor: passes, back-off and index optimizations")
struct DatabaseAdvisorServerTests {
    @Test("an unreachable database is retried after 5 s, doubling to 5 min")
    func backOffSequence() {
        var delays: [Int64] = []
        var previous: Int64?
        for _ in 0..<9 {
            previous = DatabaseAdvisorService.nextRetryDelay(after: previous)
            delays.append(previous!)
        }
        #expect(delays == [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000])
    }

    @Test("a pass records the status; unreachable passes back off and keep the last findings; reachable resets")
    func passStates() async throws {
        let source = SwitchableSource()
        let configuration = DatabaseConfiguration(name: "app", url: "postgres://monitor@127.0.0.1:1/app", intervalMs: 60_000)
        let proposals = Mutex(0)
        let service = DatabaseAdvisorService(
            databases: [
                .init(configuration: configuration, source: source, settings: DatabaseAdvisorSettings(), writer: nil)
            ],
            evidence: { _ in DatabaseAdvisorService.SpanEvidence() }, afterPass: { _, _ in proposals.withLock { $0 += 1 } }, logger: .testing)
        #expect(await service.state(of: "app")?.status == "pending")
        #expect(await service.pass("nope", nowMs: 1) == nil)

        let reached = try #require(await service.pass("app", nowMs: 1_000))
        #expect(reached.status != "unreachable")
        var state = try #require(await service.state(of: "app"))
        #expect(state.retryDelayMs == nil && state.nextPassMs == 61_000 && state.lastPassMs == 1_000)
        #expect(await service.reachedReports().count == 1)

        source.reachable.withLock { $0 = false }
        let failed = try #require(await service.pass("app", nowMs: 100_000))
        #expect(failed.status == "unreachable" && failed.error == "connection refused")
        state = try #require(await service.state(of: "app"))
        #expect(state.status == "unreachable" && state.error == "connection refused" && state.nextPassMs == 105_000)
        _ = await service.pass("app", nowMs: 200_000)
        state = try #require(await service.state(of: "app"))
        #expect(state.retryDelayMs == 10_000 && state.nextPassMs == 210_000)
        // The findings of the last pass that reached it stay (issues are not resolved unseen).
        #expect(await service.reachedReports().map(\.generatedMs) == [1_000])
        #expect(proposals.withLock { $0 } == 1, "no proposals from an unreachable pass")

        source.reachable.withLock { $0 = true }
        _ = await service.pass("app", nowMs: 300_000)
        state = try #require(await service.state(of: "app"))
        #expect(state.status != "unreachable" && state.retryDelayMs == nil && state.nextPassMs == 360_000 && state.error == nil)
        #expect(proposals.withLock { $0 } == 2)
    }

    static let suggestion = DatabaseAdvisorReport.IndexSuggestion(
        id: "public.orders(customer_id)", index: IndexDefinition(table: "orders", columns: ["customer_id"]),
        createStatement: IndexStatements.create(IndexDefinition(table: "orders", columns: ["customer_id"])),
        dropStatement: IndexStatements.drop(IndexDefinition(table: "orders", columns: ["customer_id"])), costBefore: 4_210.7, costAfter: 8.44,
        statements: ["SELECT id FROM orders WHERE customer_id = 7"],
        routes: [
            RouteUse(service: "shop", route: "/admin/orders", callsPerRequest: 1, shareOfP95: 0.2, p95Ms: 90),
            RouteUse(service: "shop", route: "/customers/{id}/orders", callsPerRequest: 1, shareOfP95: 0.9, p95Ms: 20),
        ],
        expectedEffect: "≈ 18 ms less per request on /customers/{id}/orders")

    func withIndexes<T: Sendable>(
        writers: [String: any DatabaseWriter], automatic: Bool = false, _ body: @Sendable (DatabaseIndexOptimizations, EmbeddedStore) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: EmbeddedStoreConfiguration(directory: directory, fsyncEachCommit: false))
            var indexes = DatabaseIndexOptimizations(optimizations: store, writers: writers, automatic: automatic, logger: .testing)
            let now = Mutex<Int64>(1_000)
            indexes.clock = { now.withLock { $0 += 1_000; return $0 } }
            return try await body(indexes, store)
        }
    }

    func report(_ database: String) -> DatabaseAdvisorReport {
        DatabaseAdvisorReport(database: database, generatedMs: 1_000, status: "ok", suggestions: [Self.suggestion])
    }

    @Test("one proposed db_index optimization per suggestion, judged on the route it costs most")
    func proposals() async throws {
        try await withIndexes(writers: [:]) { indexes, store in
            let created = try await indexes.propose(report("app"), nowMs: 1_000)
            let proposal = try #require(created.first)
            #expect(created.count == 1 && proposal.status == "proposed" && proposal.type == "db_index")
            #expect(proposal.route == "/customers/{id}/orders" && proposal.service == "shop")
            #expect(proposal.description.hasPrefix(#"CREATE INDEX CONCURRENTLY "perfwatch_orders_customer_id_idx" ON "public"."orders" ("customer_id") on database app: planner cost 4211 → 8.44"#))
            #expect(proposal.description.contains("/admin/orders (shop, 20% of p95)"))
            let change = try DatabaseIndexChange.of(proposal)
            #expect(change.database == "app" && change.name == "perfwatch_orders_customer_id_idx" && change.index.columns == ["customer_id"])
            #expect(try await indexes.propose(report("app"), nowMs: 2_000).isEmpty, "proposed once")
            #expect(try await indexes.propose(report("other"), nowMs: 2_000).count == 1, "per database")
            #expect(try await store.optimizations(limit: 10).count == 2)
        }
    }

    @Test("apply: no apply_url and a role without the right are 403; a failed build marks it failed; success applies, rollback drops")
    func applyAndRollBack() async throws {
        let writer = RecordingWriter()
        try await withIndexes(writers: ["app": writer]) { indexes, store in
            let view = try #require(try await indexes.propose(report("view"), nowMs: 1_000).first)
            await expectRefusal(.forbidden, "database view has no apply_url: configure a role allowed to CREATE INDEX") {
                try await indexes.apply(view)
            }
            let proposal = try #require(try await indexes.propose(report("app"), nowMs: 1_000).first)

            writer.failure.withLock { $0 = .permissionDenied("must be owner of table orders") }
            await expectRefusal(.forbidden, "database app refused to build the index: must be owner of table orders") {
                try await indexes.apply(proposal)
            }
            #expect(try await store.optimization(id: proposal.id)?.status == "proposed")

            writer.failure.withLock { $0 = .database(sqlState: "55P03", message: "canceling statement due to lock timeout") }
            await expectRefusal(.conflict, "optimization \(proposal.id) failed: the index build failed: canceling statement due to lock timeout (SQLSTATE 55P03)") {
                try await indexes.apply(proposal)
            }
            let failed = try #require(try await store.optimization(id: proposal.id))
            #expect(failed.status == "failed" && failed.rollbackReason == "index build failed: canceling statement due to lock timeout (SQLSTATE 55P03)")
            await #expect(throws: PerfwatchError.self) { try await indexes.apply(failed) }

            let again = try #require(try await indexes.propose(report("app"), nowMs: 4_000).first, "a failed build is proposed again")
            writer.failure.withLock { $0 = nil }
            let applied = try await indexes.apply(again)
            #expect(applied.status == "applied" && applied.appliedMs == 3_000)
            #expect(writer.created.withLock { $0 } == [IndexDefinition(table: "orders", columns: ["customer_id"])])

            let dropped = try await indexes.rollBack(applied, reason: "dropped by hand", nowMs: 6_000)
            #expect(dropped.status == "rolled_back" && dropped.rollbackReason == "dropped by hand")
            #expect(writer.dropped.withLock { $0 } == ["public.perfwatch_orders_customer_id_idx"])
            await #expect(throws: PerfwatchError.self) { try await indexes.rollBack(dropped, reason: "again", nowMs: 7_000) }
        }
    }

    @Test("auto_apply: proposals are built at once, and indexes judged no_change are dropped; without it a regression only offers rollback")
    func automatic() async throws {
        let writer = RecordingWriter()
        try await withIndexes(writers: ["app": writer], automatic: true) { indexes, store in
            let applied = try #require(try await indexes.propose(report("app"), nowMs: 1_000).first)
            #expect(applied.status == "applied" && writer.created.withLock { $0.count } == 1)
            #expect(await indexes.rollBackUnhelpful(nowMs: 2_000).isEmpty, "not validated yet")
            try await store.recordImpact(
                id: applied.id,
                .init(
                    before: 20, after: 19.5, changePct: -2.5, pValue: 0.4, verdict: .noChange, requestsBefore: 300, requestsAfter: 300,
                    beforeFromMs: 0, afterToMs: 2_000, validatedMs: 2_000))
            let dropped = await indexes.rollBackUnhelpful(nowMs: 3_000)
            #expect(dropped.map(\.status) == ["rolled_back"])
            #expect(dropped.first?.rollbackReason == "dropped automatically (analysis.auto_apply lists db_index): validation no_change")
            #expect(writer.dropped.withLock { $0.count } == 1)
        }
        let manual = RecordingWriter()
        try await withIndexes(writers: ["app": manual]) { indexes, store in
            let proposal = try #require(try await indexes.propose(report("app"), nowMs: 1_000).first)
            let applied = try await indexes.apply(proposal)
            let rollbacks = OptimizationRollbacks(edge: EdgePolicyService(store: store, optimizations: store), indexes: indexes)
            let kept = try await rollbacks.rollBackOptimization(applied, reason: "validation regressed", nowMs: 3_000)
            #expect(kept.status == "applied" && manual.dropped.withLock { $0.isEmpty })
            #expect(await indexes.rollBackUnhelpful(nowMs: 4_000).isEmpty)
        }
    }

    @Test("the API: 400 without a database, 404 naming an unknown one, bad refresh, and the list")
    func routes() async throws {
        try await withApp({ $0.databases = [DatabaseConfiguration(name: "app", url: "postgres://monitor:pw@127.0.0.1:1/app")] }) { client in
            let missing = try await client.get("/api/v1/db/advisor")
            #expect(missing.status == .badRequest && missing.errorMessage == "parameter 'database' is required (configured: app)")
            let unknown = try await client.get("/api/v1/db/advisor?database=nope")
            #expect(unknown.status == .notFound && unknown.errorMessage == "no database named 'nope' (configured: app)")
            let refresh = try await client.get("/api/v1/db/advisor?database=app&refresh=soon")
            #expect(refresh.status == .badRequest && refresh.errorMessage == "parameter 'refresh': 'soon' is not 1 or 0")
            let pending = try await client.get("/api/v1/db/advisor?database=app")
            #expect(pending.status == .ok && pending.json["database"] as? String == "app" && pending.json["canApply"] as? Bool == false)
            let list = try await client.get("/api/v1/db/databases")
            let entry = try #require((list.json["databases"] as? [[String: Any]])?.first)
            #expect(entry["name"] as? String == "app" && entry["url"] as? String == "postgres://monitor:***@127.0.0.1:1/app")
            #expect(entry["intervalMs"] as? Int == 300_000)
        }
    }
}

/// `body` fails with exactly this refusal.
func expectRefusal(
    _ code: PerfwatchError.Code, _ message: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> some Any
) async {
    do {
        _ = try await body()
        Issue.record("no error; expected \(code.rawValue): \(message)", sourceLocation: sourceLocation)
    } catch let error as PerfwatchError {
        #expect(error.code == code && error.message == message, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}

/// A database that answers (with nothing installed) or refuses every call.
final class SwitchableSource: DatabaseSource {
    let reachable = Mutex(true)

    func check() throws {
        if !reachable.withLock({ $0 }) { throw DatabaseSourceError.unreachable("connection refused") }
    }

    func extensions() async throws -> DatabaseExtensions {
        try check()
        return DatabaseExtensions(pgStatStatements: false, hypopg: false, available: [], statementsPreloaded: false)
    }
    func topStatements(limit: Int, pageSize: Int) async throws -> [StatementStats] {
        try check()
        throw DatabaseSourceError.missingExtension("pg_stat_statements")
    }
    func explain(_ statement: String, parameters: [String?], analyze: Bool) async throws -> String {
        try check()
        throw DatabaseSourceError.unexplainable("not in this test")
    }
    func hypotheticalCost(_ statement: String, parameters: [String?], indexes: [IndexDefinition]) async throws -> Double {
        try check()
        throw DatabaseSourceError.missingExtension("hypopg")
    }
    func indexes() async throws -> [IndexStats] {
        try check()
        return []
    }
    func tables() async throws -> [TableStats] {
        try check()
        return []
    }
    func health() async throws -> DatabaseHealth {
        try check()
        return DatabaseHealth(
            heapHitRatio: 0.999, indexHitRatio: 0.999, maxConnections: 100, connectionsByState: ["active": 1], longRunning: [], lockWaits: [])
    }
    func queryCost() async -> DatabaseQueryCost { DatabaseQueryCost(queries: 0, databaseMs: 0) }
}

/// Records the indexes it is asked to build and drop; fails with `failure` when set.
final class RecordingWriter: DatabaseWriter {
    let failure = Mutex<DatabaseSourceError?>(nil)
    let created = Mutex<[IndexDefinition]>([])
    let dropped = Mutex<[String]>([])

    func createIndex(_ definition: IndexDefinition, lockTimeoutMs: Int) async throws {
        if let failure = failure.withLock({ $0 }) { throw failure }
        created.withLock { $0.append(definition) }
    }

    func dropIndex(schema: String, name: String, lockTimeoutMs: Int) async throws {
        if let failure = failure.withLock({ $0 }) { throw failure }
        dropped.withLock { $0.append("\(schema).\(name)") }
    }
}
