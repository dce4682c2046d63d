import PerfwatchIngest
@testable import PerfwatchAnalysis
import Testing

/// Issue 21: the advisor's pure rules over literal rows. The plans are PostgreSQL 15's own
/// `EXPLAIN (FORMAT JSON, VERBOSE)` output (200k orders, 20k customers), trimmed of the fields
/// the advisor does not read.
@Suite("Database advisor rules")
struct DatabaseAdvisorRulesTests {
    static let ordersByCustomerPlan = #"""
        [{"Plan": {"Node Type": "Gather", "Startup Cost": 1000.0, "Total Cost": 4235.91, "Plan Rows": 2, "Plans": [{"Node Type": "Seq Scan", "Relation Name": "orders", "Schema": "public", "Alias": "orders", "Startup Cost": 0.0, "Total Cost": 3235.71, "Plan Rows": 1, "Filter": "((orders.customer_id = 42) AND (orders.status = 'paid'::text))"}]}}]
        """#
    static let joinPlan = #"""
        [{"Plan": {"Node Type": "Limit", "Startup Cost": 5262.81, "Total Cost": 5263.96, "Plan Rows": 10, "Plans": [{"Node Type": "Gather Merge", "Startup Cost": 5262.81, "Total Cost": 9760.23, "Plan Rows": 39108, "Plans": [{"Node Type": "Sort", "Startup Cost": 4262.8, "Total Cost": 4360.57, "Plan Rows": 39108, "Sort Key": ["o.created_at DESC"], "Plans": [{"Node Type": "Hash Join", "Startup Cost": 461.32, "Total Cost": 3417.69, "Plan Rows": 39108, "Hash Cond": "(o.customer_id = c.id)", "Plans": [{"Node Type": "Seq Scan", "Relation Name": "orders", "Schema": "public", "Alias": "o", "Startup Cost": 0.0, "Total Cost": 2647.47, "Plan Rows": 117647}, {"Node Type": "Hash", "Startup Cost": 378.0, "Total Cost": 378.0, "Plan Rows": 6666, "Plans": [{"Node Type": "Seq Scan", "Relation Name": "customers", "Schema": "public", "Alias": "c", "Startup Cost": 0.0, "Total Cost": 378.0, "Plan Rows": 6666, "Filter": "(c.country = 'fr'::text)"}]}]}]}]}]}}]
        """#
    static let primaryKeyPlan = #"""
        [{"Plan": {"Node Type": "Index Scan", "Index Name": "customers_pkey", "Relation Name": "customers", "Schema": "public", "Alias": "customers", "Startup Cost": 0.29, "Total Cost": 8.3, "Plan Rows": 1, "Index Cond": "(customers.id = 7)"}}]
        """#

    static func index(_ name: String, _ table: String, _ columns: [String], unique: Bool = false, primary: Bool = false, valid: Bool = true, scans: Int64 = 1000)
        -> IndexStats
    {
        IndexStats(
            schema: "public", table: table, name: name, columns: columns, isUnique: unique, isPrimary: primary, isValid: valid, scans: scans,
            sizeBytes: 4_521_984, definition: "CREATE INDEX \(name) ON public.\(table) USING btree (\(columns.joined(separator: ", ")))")
    }

    static let primaryKeys = [index("orders_pkey", "orders", ["id"], unique: true, primary: true), index("customers_pkey", "customers", ["id"], unique: true, primary: true)]

    @Test("EXPLAIN JSON becomes a plan tree with the node of the largest self cost marked")
    func planTree() throws {
        let plan = try PlanNode.parse(explainJSON: Self.ordersByCustomerPlan)
        #expect(plan.nodeType == "Gather")
        #expect(plan.totalCost == 4235.91)
        #expect(plan.children.count == 1)
        let scan = plan.children[0]
        #expect(scan.nodeType == "Seq Scan" && scan.relation == "orders" && scan.schema == "public" && scan.alias == "orders")
        #expect(scan.filter == "((orders.customer_id = 42) AND (orders.status = 'paid'::text))")
        #expect(plan.costlyNodePath == [0])  // the scan (3235.71) costs more than the Gather on top (1000.2)

        let join = try PlanNode.parse(explainJSON: Self.joinPlan)
        // Limit stops its child early (its total is below the child's): self cost 0, not negative.
        #expect(join.selfCost == 0)
        #expect(join.costlyNodePath == [0])  // Gather Merge: 9760.23 - 4360.57
        let hashJoin = join.children[0].children[0].children[0]
        #expect(hashJoin.joinCond == "(o.customer_id = c.id)")
        #expect(join.children[0].children[0].sortKey == ["o.created_at DESC"])
        #expect(hashJoin.children[1].children[0].filter == "(c.country = 'fr'::text)")
        #expect((hashJoin.selfCost * 100).rounded() / 100 == 392.22)
    }

    @Test("Text that is not an EXPLAIN plan is an error, not an empty plan")
    func notAPlan() {
        #expect(throws: PlanNode.ParseError.self) { try PlanNode.parse(explainJSON: "QUERY PLAN\nSeq Scan on orders") }
        #expect(throws: PlanNode.ParseError.self) { try PlanNode.parse(explainJSON: #"[{"Plan": {"Node Type": "Seq Scan"}}]"#) }
    }

    @Test("Column references skip literals, casts, functions and keywords")
    func columns() {
        #expect(
            PlanColumns.references(in: "((orders.customer_id = 42) AND (orders.status = 'paid'::text))")
                == [ColumnReference(qualifier: "orders", column: "customer_id"), ColumnReference(qualifier: "orders", column: "status")])
        #expect(
            PlanColumns.references(in: "((created_at > '2024-01-01 00:00:00+00'::timestamp with time zone) AND (lower(email) = 'a and b'::text))")
                == [ColumnReference(qualifier: nil, column: "created_at"), ColumnReference(qualifier: nil, column: "email")])
        #expect(PlanColumns.references(in: "(id = ANY ('{1,2,3}'::integer[]))") == [ColumnReference(qualifier: nil, column: "id")])
        #expect(PlanColumns.references(in: "((\"Order\".\"userId\")::text = $1)") == [ColumnReference(qualifier: "Order", column: "userId")])
        #expect(PlanColumns.references(in: "(NOT (hashed SubPlan 1))").isEmpty)
    }

    @Test("Candidates: filtered columns singly then in pairs, join and sort columns, not what an index already leads with")
    func candidates() throws {
        let single = try PlanNode.parse(explainJSON: Self.ordersByCustomerPlan)
        #expect(
            IndexCandidates.candidates(plan: single, existing: Self.primaryKeys).map(\.columns) == [
                ["customer_id"], ["status"], ["customer_id", "status"], ["status", "customer_id"],
            ])
        // An index leading with customer_id: neither it nor (customer_id, status)'s first column
        // alone is a candidate; the pair still is (it covers more of the filter).
        let withIndex = Self.primaryKeys + [Self.index("orders_customer_id_idx", "orders", ["customer_id"])]
        #expect(
            IndexCandidates.candidates(plan: single, existing: withIndex).map(\.columns) == [
                ["status"], ["customer_id", "status"], ["status", "customer_id"],
            ])
        // An invalid index does not count.
        let invalid = Self.primaryKeys + [Self.index("orders_customer_id_idx", "orders", ["customer_id"], valid: false)]
        #expect(IndexCandidates.candidates(plan: single, existing: invalid).map(\.columns).first == ["customer_id"])

        let join = try PlanNode.parse(explainJSON: Self.joinPlan)
        let joinCandidates = IndexCandidates.candidates(plan: join, existing: Self.primaryKeys)
        // customers.country filtered; orders.customer_id joined, orders.created_at sorted; customers.id is the primary key.
        #expect(
            Set(joinCandidates) == [
                IndexDefinition(table: "customers", columns: ["country"]), IndexDefinition(table: "orders", columns: ["customer_id"]),
                IndexDefinition(table: "orders", columns: ["created_at"]),
            ])

        let indexed = try PlanNode.parse(explainJSON: Self.primaryKeyPlan)
        #expect(IndexCandidates.candidates(plan: indexed, existing: Self.primaryKeys).isEmpty)
    }

    @Test("Dexter's rule: the cheapest candidate, only below half the cost; a narrower index on a near tie")
    func dexter() {
        let a = IndexDefinition(table: "orders", columns: ["customer_id"])
        let b = IndexDefinition(table: "orders", columns: ["status"])
        let ab = IndexDefinition(table: "orders", columns: ["customer_id", "status"])
        let chosen = IndexChoice.choose(costBefore: 4235.91, tried: [(a, 41.8), (b, 3900), (ab, 8.3)], costRatio: 0.5)
        #expect(chosen?.index == ab && chosen?.cost == 8.3)
        // Within 5% of the cheapest: the single column wins.
        #expect(IndexChoice.choose(costBefore: 4235.91, tried: [(a, 8.6), (ab, 8.3)], costRatio: 0.5)?.index == a)
        // Not below half: no suggestion (an already fast query gains nothing).
        #expect(IndexChoice.choose(costBefore: 8.3, tried: [(a, 4.2)], costRatio: 0.5) == nil)
        #expect(IndexChoice.choose(costBefore: 8.3, tried: [(a, 4.1)], costRatio: 0.5)?.index == a)
        #expect(IndexChoice.choose(costBefore: 100, tried: [], costRatio: 0.5) == nil)
    }

    @Test("pg_stat_statements text and a span's literal statement meet at the same fingerprint")
    func matching() {
        let pairs = [
            ("SELECT * FROM orders WHERE customer_id = $1 AND status = $2", "select * from orders where customer_id = 42 and status = 'paid'"),
            ("SELECT id FROM orders WHERE id IN ($1, $2, $3)", "SELECT id FROM orders WHERE id IN (7, 8)"),
            ("SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id\n  WHERE c.country = $1 LIMIT $2",
             "SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.country = 'fr' LIMIT 10"),
        ]
        for (stats, span) in pairs {
            let fromSpan = SQLFingerprint.fingerprint(ofNormalized: SQLFingerprint.normalize(span))
            #expect(StatementMatching.fingerprint(of: stats) == fromSpan, "\(stats) vs \(span)")
        }
        #expect(
            StatementMatching.fingerprint(of: "SELECT * FROM orders WHERE customer_id = $1")
                != StatementMatching.fingerprint(of: "SELECT * FROM orders WHERE status = $1"))
        // PostgreSQL 15 makes parameters of a sign and of booleans; the loose key still matches.
        let sample = "SELECT id FROM orders WHERE created_at > now() - interval '5 minutes' AND total > -1 AND paid = true LIMIT 1"
        let statistics = "SELECT id FROM orders WHERE created_at > now() - interval $1 AND total > $2 AND paid = $3 LIMIT $4"
        let usage = FingerprintUsage(fingerprint: StatementMatching.fingerprint(of: sample), statement: sample, routes: [])
        #expect(StatementMatching.fingerprint(of: statistics) != usage.fingerprint)
        #expect(StatementMatching.Index([usage]).usage(forStatistics: statistics) == usage)
        #expect(StatementMatching.Index([usage]).usage(forStatistics: "SELECT id FROM orders WHERE total > $1") == nil)
    }

    @Test("What to EXPLAIN: the sample with literals, a parameterless statement, else skipped with the reason")
    func explainInput() {
        let stats = "SELECT * FROM orders WHERE customer_id = $1"
        #expect(
            ExplainInput.decide(statsQuery: stats, sample: "SELECT * FROM orders WHERE customer_id = 42", allowAnalyze: false)
                == .explain(statement: "SELECT * FROM orders WHERE customer_id = 42", parametersUsed: true, analyze: false))
        #expect(ExplainInput.decide(statsQuery: stats, sample: nil, allowAnalyze: false) == .skip(reason: "parameters unknown: no recent sample with values"))
        // A span that carries placeholders has no values either.
        #expect(
            ExplainInput.decide(statsQuery: stats, sample: "SELECT * FROM orders WHERE customer_id = ?", allowAnalyze: false)
                == .skip(reason: ExplainInput.unknownParameters))
        #expect(
            ExplainInput.decide(statsQuery: "SELECT count(*) FROM orders", sample: nil, allowAnalyze: true)
                == .explain(statement: "SELECT count(*) FROM orders", parametersUsed: false, analyze: true))
        // '$1' inside a string literal is not a parameter.
        #expect(!ExplainInput.hasPlaceholders("SELECT * FROM t WHERE note = 'costs $1 or ?'"))
        // ANALYZE runs the statement: never for writes, never unless allowed.
        #expect(
            ExplainInput.decide(statsQuery: nil, sample: "UPDATE orders SET status = 'void' WHERE id = 1", allowAnalyze: true)
                == .explain(statement: "UPDATE orders SET status = 'void' WHERE id = 1", parametersUsed: false, analyze: false))
        #expect(
            ExplainInput.decide(statsQuery: "<insufficient privilege>", sample: nil, allowAnalyze: false)
                == .skip(reason: "statement text hidden: the advisor's role needs pg_read_all_stats (pg_monitor includes it)"))
        for ddl in ["CREATE INDEX orders_status ON orders (status)", "  /* job */ VACUUM ANALYZE orders", "BEGIN", "SET search_path = app"] {
            guard case .skip(let reason) = ExplainInput.decide(statsQuery: ddl, sample: nil, allowAnalyze: false) else {
                Issue.record("\(ddl) was not skipped")
                continue
            }
            #expect(reason.contains("DDL or utility statement"), "\(reason)")
        }
    }

    @Test("Index hygiene: invalid, duplicate (a prefix, not unique), unused (not unique or primary), with sizes")
    func hygiene() {
        let indexes = [
            Self.index("orders_pkey", "orders", ["id"], unique: true, primary: true, scans: 0),
            Self.index("orders_customer_idx", "orders", ["customer_id"], scans: 900),
            Self.index("orders_customer_status_idx", "orders", ["customer_id", "status"], scans: 800),
            Self.index("orders_email_key", "orders", ["email"], unique: true, scans: 0),
            Self.index("orders_note_idx", "orders", ["note"], scans: 3),
            Self.index("orders_status_idx", "orders", ["status"], valid: false, scans: 0),
            Self.index("customers_customer_idx", "customers", ["customer_id"], scans: 900),
        ]
        let findings = IndexHygiene.findings(indexes, unusedScanThreshold: 50)
        #expect(findings.map { "\($0.kind) \($0.index.name)" } == ["duplicate orders_customer_idx", "unused orders_note_idx", "invalid orders_status_idx"])
        #expect(findings[0].coveredBy == "orders_customer_status_idx")
        #expect(findings.allSatisfy { $0.message.contains("4.3 MB") })
        // Two identical indexes: exactly one of them is the duplicate.
        let twins = [Self.index("a_idx", "t", ["x"]), Self.index("b_idx", "t", ["x"])]
        #expect(IndexHygiene.findings(twins, unusedScanThreshold: 50).map(\.index.name) == ["b_idx"])
    }

    static func table(_ name: String, live: Int64, dead: Int64) -> TableStats {
        TableStats(
            schema: "public", name: name, liveTuples: live, deadTuples: dead, sizeBytes: 1 << 20, sequentialScans: 0, indexScans: 0, lastVacuumMs: nil,
            lastAnalyzeMs: nil)
    }

    @Test("Health: bloat over 20% and 10k dead tuples, long-running over a minute, pool advice from traced concurrency")
    func health() {
        let health = DatabaseHealth(
            heapHitRatio: 0.95, indexHitRatio: 0.999, maxConnections: 100, connectionsByState: ["active": 3, "idle": 60, "idle in transaction": 2],
            longRunning: [.init(pid: 10, durationMs: 61_000, state: "active", query: "SELECT pg_sleep(100)"), .init(pid: 11, durationMs: 5_000, state: "active", query: "x")],
            lockWaits: [])
        let report = HealthRules.report(
            health, tables: [Self.table("orders", live: 30_000, dead: 10_001), Self.table("tiny", live: 10, dead: 9_000), Self.table("ok", live: 100_000, dead: 20_000)],
            peakConcurrency: 8)
        #expect(report.bloatedTables.map(\.name) == ["orders"])
        #expect(report.longRunning.map(\.pid) == [10])
        #expect(HealthRules.isLow(report.heapHitRatio) && !HealthRules.isLow(report.indexHitRatio))
        let advice = report.poolAdvice ?? ""
        #expect(advice.contains("a pool of 10 in total is enough"), "\(advice)")
        #expect(advice.contains("2 connections are idle in a transaction"), "\(advice)")
        #expect(HealthRules.poolAdvice(connectionsByState: ["active": 85], maxConnections: 100, peakConcurrency: nil)?.contains("PgBouncer") == true)
        #expect(HealthRules.poolAdvice(connectionsByState: ["active": 4, "idle": 6], maxConnections: 100, peakConcurrency: 8) == nil)
        #expect(HealthRules.poolAdvice(connectionsByState: ["active": 4], maxConnections: 100, peakConcurrency: 8)?.contains("size the pool to 10") == true)
    }

    @Test("Index names are perfwatch_<table>_<columns>_idx within 63 bytes; identifiers are quoted")
    func statements() {
        let index = IndexDefinition(table: "orders", columns: ["customer_id", "status"])
        #expect(IndexStatements.name(index) == "perfwatch_orders_customer_id_status_idx")
        #expect(
            IndexStatements.create(index)
                == #"CREATE INDEX CONCURRENTLY "perfwatch_orders_customer_id_status_idx" ON "public"."orders" ("customer_id", "status")"#)
        #expect(IndexStatements.drop(index) == #"DROP INDEX CONCURRENTLY IF EXISTS "public"."perfwatch_orders_customer_id_status_idx""#)
        let long = IndexDefinition(table: String(repeating: "t", count: 50), columns: ["a_rather_long_column", "another"])
        #expect(IndexStatements.name(long).utf8.count == 63 && IndexStatements.name(long).hasSuffix("_idx"))
        #expect(IndexStatements.quoted(#"we"ird"#) == #""we""ird""#)
    }
}
