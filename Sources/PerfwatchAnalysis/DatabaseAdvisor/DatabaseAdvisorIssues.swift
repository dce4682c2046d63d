public import PerfwatchModel

/// A report's findings as issues, like every analyzer's: fingerprints stable per database and
/// subject (so a pass updates them), evidence with the figures. A missing index's severity is
/// held to its latency impact (`Severity.forImpact`); hygiene is `info`; health findings cost
/// capacity rather than a latency Perfwatch can put a number on, so they keep their own judgement.
public enum DatabaseAdvisorIssues {
    public static let types: Set<String> = [
        "db_missing_index", "db_unused_index", "db_duplicate_index", "db_invalid_index", "db_cache_hit_ratio", "db_connections",
        "db_long_running", "db_lock_waits", "db_bloat", "db_extension_missing",
    ]

    public static func issues(from report: DatabaseAdvisorReport, nowMs: Int64) -> [PerformanceIssue] {
        let database = report.database
        func issue(
            _ type: String, _ subject: String, title: String, description: String, recommendation: String, severity: Severity, impactMs: Double = 0,
            service: String = "", route: String = "", evidence: [(String, String)]
        ) -> PerformanceIssue {
            PerformanceIssue(
                fingerprint: "\(type)|\(database)|\(subject)", type: type, title: title, description: description, recommendation: recommendation,
                severity: type == "db_missing_index" ? Severity.forImpact(severity, impactMs: impactMs) : severity.rawValue, service: service, route: route, impactMs: impactMs,
                evidence: Format.evidence([("database", Format.string(database))] + evidence), firstSeenMs: nowMs, lastSeenMs: nowMs)
        }
        var issues: [PerformanceIssue] = []
        for suggestion in report.suggestions {
            let savings = suggestion.routes.map {
                ($0, DatabaseAdvisor.expectedSavingMs(costBefore: suggestion.costBefore, costAfter: suggestion.costAfter, route: $0))
            }
            let top = savings.max { $0.1 < $1.1 }
            let columns = suggestion.index.columns.joined(separator: ", ")
            issues.append(
                issue(
                    "db_missing_index", suggestion.id, title: "Missing index on \(suggestion.index.table) (\(columns))",
                    description: "\(suggestion.statements.first ?? "") scans \(suggestion.index.table) without an index on (\(columns)). \(suggestion.expectedEffect)",
                    recommendation: "\(suggestion.createStatement); — proven with a hypothetical index (cost \(Format.number(suggestion.costBefore)) → \(Format.number(suggestion.costAfter))). Apply it from the Database page to validate the routes before/after.",
                    severity: (top?.1 ?? 0) > 500 ? .critical : .warning, impactMs: top?.1 ?? 0, service: top?.0.service ?? "", route: top?.0.route ?? "",
                    evidence: [
                        ("suggestion", Format.string(suggestion.id)), ("createStatement", Format.string(suggestion.createStatement)),
                        ("costBefore", Format.number(suggestion.costBefore)), ("costAfter", Format.number(suggestion.costAfter)),
                        ("statement", Format.string(suggestion.statements.first ?? "")),
                    ]))
        }
        for finding in report.hygiene {
            let index = finding.index
            let type = "db_\(finding.kind)_index"
            var evidence: [(String, String)] = [
                ("index", Format.string(index.name)), ("table", Format.string(index.table)), ("scans", Format.number(Double(index.scans))),
                ("sizeBytes", Format.number(Double(index.sizeBytes))), ("definition", Format.string(index.definition)),
            ]
            if let coveredBy = finding.coveredBy { evidence.append(("coveredBy", Format.string(coveredBy))) }
            issues.append(
                issue(
                    type, "\(index.schema).\(index.name)", title: "\(finding.kind.prefix(1).uppercased() + finding.kind.dropFirst()) index \(index.name) (\(Bytes.text(index.sizeBytes)))",
                    description: finding.message,
                    recommendation: "DROP INDEX CONCURRENTLY \(IndexStatements.quoted(index.schema)).\(IndexStatements.quoted(index.name));",
                    severity: finding.kind == "invalid" ? .warning : .info, evidence: evidence))
        }
        if let health = report.health { issues += healthIssues(health, nowMs: nowMs, issue: issue) }
        for notice in report.notices where notice.code.hasSuffix("_missing") || notice.code.hasSuffix("_not_preloaded") {
            issues.append(
                issue(
                    "db_extension_missing", notice.code, title: notice.message, description: notice.message,
                    recommendation: notice.fix ?? "", severity: .info, evidence: [("code", Format.string(notice.code))]))
        }
        return issues
    }

    static func lastVacuum(_ table: TableStats, nowMs: Int64) -> String {
        guard let at = table.lastVacuumMs else { return "never" }
        // Whole days, hours or minutes: the grammar's text of an exact ms count would read "93612345ms".
        let ago = max(0, nowMs - at)
        let unit: Int64 = ago >= 86_400_000 ? 86_400_000 : ago >= 3_600_000 ? 3_600_000 : 60_000
        return "\(DurationText.format(milliseconds: ago / unit * unit)) ago"
    }

    static func healthIssues(
        _ health: DatabaseAdvisorReport.HealthReport, nowMs: Int64,
        issue: (String, String, String, String, String, Severity, Double, String, String, [(String, String)]) -> PerformanceIssue
    ) -> [PerformanceIssue] {
        var issues: [PerformanceIssue] = []
        let percent = { (ratio: Double?) in ratio.map { "\(Format.number($0 * 100))%" } ?? "n/a" }
        if HealthRules.isLow(health.heapHitRatio) || HealthRules.isLow(health.indexHitRatio) {
            issues.append(
                issue(
                    "db_cache_hit_ratio", "shared_buffers", "Cache hit ratio below 99% (heap \(percent(health.heapHitRatio)), index \(percent(health.indexHitRatio)))",
                    "Reads that miss shared_buffers go to the OS cache or disk; below 99% the working set does not fit.",
                    "Raise shared_buffers (about 25% of RAM) or the instance's memory, and look for scans of large tables (the index suggestions).",
                    .warning, 0, "", "",
                    [("heapHitRatio", health.heapHitRatio.map(Format.number) ?? "null"), ("indexHitRatio", health.indexHitRatio.map(Format.number) ?? "null")]))
        }
        if let advice = health.poolAdvice {
            let open = health.connectionsByState.values.reduce(0, +)
            issues.append(
                issue(
                    "db_connections", "pool", "Connections: \(open) open of \(health.maxConnections)", advice, advice, .warning, 0, "", "",
                    [("open", Format.number(Double(open))), ("maxConnections", Format.number(Double(health.maxConnections)))]))
        }
        for query in health.longRunning {
            issues.append(
                issue(
                    "db_long_running", "\(query.pid)", "Query running for \(Format.ms(query.durationMs)) (pid \(query.pid))",
                    "`\(query.query)` (\(query.state)) has run for \(Format.ms(query.durationMs)): it holds its snapshot (vacuum cannot clean behind it) and its locks.",
                    "Check it with pg_stat_activity; end it with SELECT pg_cancel_backend(\(query.pid)); and set statement_timeout for the application role.",
                    query.durationMs > 600_000 ? .critical : .warning, 0, "", "",
                    [("pid", Format.number(Double(query.pid))), ("durationMs", Format.number(query.durationMs)), ("query", Format.string(query.query))]))
        }
        if !health.lockWaits.isEmpty {
            let longest = health.lockWaits.map(\.waitingMs).max() ?? 0
            let blockers = Set(health.lockWaits.map(\.blockingPID)).sorted()
            issues.append(
                issue(
                    "db_lock_waits", "locks", "\(health.lockWaits.count) queries waiting for locks (longest \(Format.ms(longest)))",
                    "Blocked by pid \(blockers.map(String.init).joined(separator: ", ")): " + health.lockWaits.map { "`\($0.query)`" }.joined(separator: ", "),
                    "Keep transactions short around the blocking statements; set lock_timeout for DDL.", .warning, 0, "", "",
                    [("waits", Format.number(Double(health.lockWaits.count))), ("longestMs", Format.number(longest))]))
        }
        for table in health.bloatedTables {
            let share = Double(table.deadTuples) / Double(max(1, table.liveTuples + table.deadTuples))
            issues.append(
                issue(
                    "db_bloat", "\(table.schema).\(table.name)", "Table \(table.name): \(Int((share * 100).rounded()))% dead tuples",
                    "\(table.name) has \(table.deadTuples) dead tuples against \(table.liveTuples) live (\(Bytes.text(table.sizeBytes))): autovacuum is not keeping up (last vacuum: \(lastVacuum(table, nowMs: nowMs))).",
                    "VACUUM (ANALYZE) \(IndexStatements.quoted(table.schema)).\(IndexStatements.quoted(table.name)); then lower autovacuum_vacuum_scale_factor for it.",
                    .warning, 0, "", "",
                    [
                        ("deadTuples", Format.number(Double(table.deadTuples))), ("liveTuples", Format.number(Double(table.liveTuples))),
                        ("lastVacuumMs", table.lastVacuumMs.map { Format.number(Double($0)) } ?? "null"),
                    ]))
        }
        return issues
    }
}
