import Foundation

/// One pass of the database advisor over one database (issue 21, docs/database-advisor.md): top
/// statements matched to span fingerprints, plans of the slowest, index suggestions proven with
/// hypothetical indexes (Dexter's rule), index hygiene and health. It never throws: what it
/// could not read is in the report's `status` and `notices`, and it does the rest.
public struct DatabaseAdvisor: Sendable {
    public let database: String
    let source: any DatabaseSource
    public let settings: DatabaseAdvisorSettings

    public init(database: String, source: any DatabaseSource, settings: DatabaseAdvisorSettings) {
        self.database = database
        self.source = source
        self.settings = settings
    }

    typealias Report = DatabaseAdvisorReport

    public func run(usage: [FingerprintUsage], nowMs: Int64) async -> DatabaseAdvisorReport {
        let clock = ContinuousClock()
        let started = clock.now
        let costBefore = await source.queryCost()
        var report = Report(database: database, generatedMs: nowMs, status: "ok")
        do {
            try await fill(&report, usage: usage)
        } catch {
            // Only an unreachable database ends the pass early.
            report.status = "unreachable"
            report.error = Self.message(error)
        }
        if report.status == "ok" && !report.notices.isEmpty { report.status = "degraded" }
        let costAfter = await source.queryCost()
        let wall = clock.now - started
        report.cost = Report.PassCost(
            queriesIssued: costAfter.queries - costBefore.queries, databaseMs: costAfter.databaseMs - costBefore.databaseMs,
            wallMs: Double(wall.components.seconds) * 1000 + Double(wall.components.attoseconds) / 1e15)
        return report
    }

    /// Runs `read`; an unreachable database rethrows (the pass ends), anything else becomes a
    /// notice and nil (the pass goes on without that part).
    func attempt<T>(_ what: String, _ report: inout Report, _ read: () async throws -> T) async throws -> T? {
        do {
            return try await read()
        } catch let error as DatabaseSourceError {
            switch error {
            case .unreachable: throw error
            case .permissionDenied(let message):
                report.notices.append(
                    Report.Notice(
                        code: "permission_denied", message: "Reading \(what): \(message)",
                        fix: "GRANT pg_monitor TO the advisor's role (it reads statistics views only)."))
            case .missingExtension(let name):
                report.notices.append(Self.missingExtension(name, available: report.extensions?.available ?? []))
            case .unexplainable(let reason), .database(_, let reason):
                report.notices.append(Report.Notice(code: "read_failed", message: "Reading \(what): \(reason)", fix: nil))
            }
        } catch {
            report.notices.append(Report.Notice(code: "read_failed", message: "Reading \(what): \(Self.message(error))", fix: nil))
        }
        return nil
    }

    func fill(_ report: inout Report, usage: [FingerprintUsage]) async throws {
        guard let extensions = try await attempt("extensions", &report, { try await source.extensions() }) else { return }
        report.extensions = extensions
        if !extensions.pgStatStatements {
            report.notices.append(Self.missingExtension("pg_stat_statements", available: extensions.available))
        } else if !extensions.statementsPreloaded {
            report.notices.append(
                Report.Notice(
                    code: "pg_stat_statements_not_preloaded", message: "pg_stat_statements is created but not loaded: it collects nothing.",
                    fix: "shared_preload_libraries = 'pg_stat_statements' in postgresql.conf, then restart PostgreSQL."))
        }
        if !extensions.hypopg { report.notices.append(Self.missingExtension("hypopg", available: extensions.available)) }

        let matching = StatementMatching.Index(usage)
        var statements: [StatementStats] = []
        if extensions.pgStatStatements {
            statements =
                try await attempt("pg_stat_statements", &report) {
                    try await source.topStatements(limit: settings.statementLimit, pageSize: settings.pageSize)
                } ?? []
        }
        var matched: Set<String> = []
        report.topQueries = statements.map { row in
            let use = matching.usage(forStatistics: row.query)
            if let use { matched.insert(use.fingerprint) }
            let blocks = row.sharedBlocksHit + row.sharedBlocksRead
            return Report.TopQuery(
                queryID: row.queryID, query: row.query, calls: row.calls, totalMs: row.totalMs, meanMs: row.meanMs, rows: row.rows,
                hitRatio: blocks > 0 ? Double(row.sharedBlocksHit) / Double(blocks) : nil, fingerprint: use?.fingerprint, routes: use?.routes ?? [])
        }
        let indexes = try await attempt("indexes", &report) { try await source.indexes() } ?? []
        try await adviseIndexes(&report, statements: statements, usage: usage, matched: matched, matching: matching, indexes: indexes)
        report.hygiene = IndexHygiene.findings(indexes, unusedScanThreshold: settings.unusedScanThreshold)
        let tables = try await attempt("tables", &report) { try await source.tables() } ?? []
        if let health = try await attempt("health", &report, { try await source.health() }) {
            report.health = HealthRules.report(health, tables: tables, peakConcurrency: settings.peakConcurrency)
        }
    }

    /// One statement to explain: the statistics row (if any) and what the spans know of it.
    struct Work {
        var stats: StatementStats?
        var usage: FingerprintUsage?
    }

    /// The slowest statements first (by total time), then fingerprints the spans saw that the
    /// statistics do not have (without pg_stat_statements, all of them), by their share of routes' p95.
    func work(statements: [StatementStats], usage: [FingerprintUsage], matched: Set<String>, matching: StatementMatching.Index) -> [Work] {
        let fromStats = statements.sorted { $0.totalMs > $1.totalMs }.map { Work(stats: $0, usage: matching.usage(forStatistics: $0.query)) }
        let weight: (FingerprintUsage) -> Double = { $0.routes.reduce(0) { $0 + $1.p95Ms * $1.shareOfP95 } }
        let fromSpans = usage.filter { !matched.contains($0.fingerprint) }.sorted { weight($0) > weight($1) }.map { Work(stats: nil, usage: $0) }
        return fromStats + fromSpans
    }

    func adviseIndexes(
        _ report: inout Report, statements: [StatementStats], usage: [FingerprintUsage], matched: Set<String>,
        matching: StatementMatching.Index, indexes: [IndexStats]
    ) async throws {
        var explained = 0
        var suggestions: [String: Report.IndexSuggestion] = [:]
        var order: [String] = []
        var hypopgFailed = false
        for item in work(statements: statements, usage: usage, matched: matched, matching: matching) {
            guard explained < settings.explainLimit else { break }
            let input = ExplainInput.decide(statsQuery: item.stats?.query, sample: item.usage?.statement, allowAnalyze: settings.allowAnalyze)
            guard case .explain(let statement, let parametersUsed, let analyze) = input else {
                if case .skip(let reason) = input { report.skipped.append(Report.Skipped(statement: item.stats?.query ?? item.usage?.statement ?? "", reason: reason)) }
                continue
            }
            explained += 1
            let plan: PlanNode
            do {
                plan = try PlanNode.parse(explainJSON: try await source.explain(statement, parameters: [], analyze: analyze))
            } catch DatabaseSourceError.unreachable(let message) {
                throw DatabaseSourceError.unreachable(message)
            } catch {
                report.skipped.append(Report.Skipped(statement: statement, reason: Self.message(error)))
                continue
            }
            report.plans.append(
                Report.PlanReport(
                    fingerprint: item.usage?.fingerprint, queryID: item.stats?.queryID, statement: statement, parametersUsed: parametersUsed,
                    totalCost: plan.totalCost, root: plan, costlyNodePath: plan.costlyNodePath))
            guard report.extensions?.hypopg == true, !hypopgFailed else { continue }
            var tried: [(index: IndexDefinition, cost: Double)] = []
            for candidate in IndexCandidates.candidates(plan: plan, existing: indexes) {
                do {
                    tried.append((candidate, try await source.hypotheticalCost(statement, parameters: [], indexes: [candidate])))
                } catch DatabaseSourceError.unreachable(let message) {
                    throw DatabaseSourceError.unreachable(message)
                } catch DatabaseSourceError.missingExtension(let name) {
                    report.notices.append(Self.missingExtension(name, available: report.extensions?.available ?? []))
                    hypopgFailed = true
                    break
                } catch {
                    // A candidate PostgreSQL refuses (not a column after all) is not a suggestion.
                    continue
                }
            }
            guard let choice = IndexChoice.choose(costBefore: plan.totalCost, tried: tried, costRatio: settings.costRatio) else { continue }
            let routes = item.usage?.routes ?? []
            let id = IndexStatements.id(choice.index)
            if var existing = suggestions[id] {
                existing.statements.append(statement)
                existing.routes += routes.filter { route in !existing.routes.contains { $0.service == route.service && $0.route == route.route } }
                suggestions[id] = existing
            } else {
                order.append(id)
                suggestions[id] = Report.IndexSuggestion(
                    id: id, index: choice.index, createStatement: IndexStatements.create(choice.index), dropStatement: IndexStatements.drop(choice.index),
                    costBefore: plan.totalCost, costAfter: choice.cost, statements: [statement], routes: routes,
                    expectedEffect: Self.expectedEffect(costBefore: plan.totalCost, costAfter: choice.cost, routes: routes))
            }
        }
        report.suggestions = order.compactMap { suggestions[$0] }
    }

    /// What a route should gain: the query's share of the route's p95, cut in the planner's ratio.
    static func expectedSavingMs(costBefore: Double, costAfter: Double, route: RouteUse) -> Double {
        guard costBefore > 0 else { return 0 }
        return route.p95Ms * route.shareOfP95 * max(0, 1 - costAfter / costBefore)
    }

    static func expectedEffect(costBefore: Double, costAfter: Double, routes: [RouteUse]) -> String {
        let factor = costAfter > 0 ? costBefore / costAfter : .infinity
        var text = "Planner cost \(Format.number(costBefore)) → \(Format.number(costAfter))"
        text += factor.isFinite ? " (\(Format.number(factor))× lower)." : "."
        let effects = routes.map { route in
            "\(route.service) \(route.route): this query is \(Int((route.shareOfP95 * 100).rounded()))% of its p95 \(Format.ms(route.p95Ms)), expect ≈ \(Format.ms(expectedSavingMs(costBefore: costBefore, costAfter: costAfter, route: route))) less"
        }
        if effects.isEmpty { return text + " No traced route runs it yet." }
        return text + " " + effects.joined(separator: "; ") + "."
    }

    static func missingExtension(_ name: String, available: [String]) -> Report.Notice {
        let create = "CREATE EXTENSION \(name);"
        switch name {
        case "pg_stat_statements":
            return Report.Notice(
                code: "pg_stat_statements_missing", message: "pg_stat_statements is not installed: no top queries (plans come from Perfwatch's spans only).",
                fix: "shared_preload_libraries = 'pg_stat_statements' in postgresql.conf, restart, then \(create)")
        case "hypopg":
            let install = available.contains(name) ? "" : " (not installed on the server: Debian/Ubuntu apt-get install postgresql-15-hypopg, for your major version)"
            return Report.Notice(
                code: "hypopg_missing", message: "hypopg is not installed: index suggestions cannot be proven with hypothetical indexes.",
                fix: create + install)
        default:
            return Report.Notice(code: "\(name)_missing", message: "\(name) is not installed.", fix: create)
        }
    }

    static func message(_ error: any Error) -> String {
        switch error {
        case DatabaseSourceError.unreachable(let message), DatabaseSourceError.permissionDenied(let message),
            DatabaseSourceError.unexplainable(let message), DatabaseSourceError.database(_, let message):
            return message
        case DatabaseSourceError.missingExtension(let name): return "\(name) is not installed"
        case PlanNode.ParseError.notAPlan(let message): return message
        default: return "\(error)"
        }
    }
}
