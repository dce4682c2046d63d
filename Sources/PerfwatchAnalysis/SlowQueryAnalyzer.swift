import Foundation
public import PerfwatchModel
public import PerfwatchQuery

/// Slow queries: fingerprints whose p95 is above `thresholdMs` (100 ms), ranked by the total
/// time they take. The recommendation reads the normalized statement for known anti-patterns
/// (leading-wildcard LIKE, `SELECT *`, ORDER BY without LIMIT, functions on filtered columns)
/// and otherwise names the filtered columns to index.
public struct SlowQueryAnalyzer: Analyzer {
    public var thresholdMs = 100.0
    public var minCalls = 5.0
    let engine: QueryEngine
    let statements: @Sendable ([String]) async throws -> [String: String]

    public init(engine: QueryEngine, statements: @escaping @Sendable ([String]) async throws -> [String: String]) {
        self.engine = engine
        self.statements = statements
    }

    public var types: Set<String> { ["slow_query"] }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        let columns = try await engine.table(
            "db.query.duration", [.percentile(0.95), .count, .sum, .percentile(0.5)], by: ["service", "db_system", "fingerprint"],
            from: context.from, to: context.to, nowMs: context.nowMs)
        let slow = columns[0].filter { $0.value > thresholdMs && (columns[1][$0.key] ?? 0) >= minCalls }
        let texts = try await statements(slow.keys.compactMap { $0["fingerprint"] })
        return slow.map { labels, p95 in
            let fingerprint = labels["fingerprint"] ?? ""
            let service = labels["service"] ?? ""
            let statement = texts[fingerprint] ?? fingerprint
            let calls = columns[1][labels] ?? 0
            let total = columns[2][labels] ?? 0
            let median = columns[3][labels] ?? p95
            return PerformanceIssue(
                fingerprint: "slow_query|\(service)|\(fingerprint)", type: "slow_query",
                title: "Slow query: p95 \(Format.ms(p95)) (\(Int(calls)) calls)",
                description: "`\(statement)` (\(labels["db_system"] ?? "database"), \(service)) takes \(Format.ms(median)) at the median and \(Format.ms(p95)) at p95; \(Format.ms(total)) in total over the window.",
                recommendation: Self.advice(statement) + " Getting it under \(Format.ms(thresholdMs)) saves ≈ \(Format.ms(max(0, p95 - thresholdMs))) per call at p95.",
                severity: Severity.forImpact(p95 > 1000 ? .critical : .warning, impactMs: max(0, p95 - thresholdMs)), service: service, route: "", impactMs: max(0, p95 - thresholdMs),
                evidence: Format.evidence([
                    "fingerprint": Format.string(fingerprint), "statement": Format.string(statement), "p50Ms": Format.number(median),
                    "p95Ms": Format.number(p95), "calls": Format.number(calls), "totalMs": Format.number(total),
                ]))
        }
    }

    static func advice(_ statement: String) -> String {
        let upper = statement.uppercased()
        if upper.contains(" LIKE ") {
            return "It filters with LIKE: a pattern starting with % (a search box) cannot use a B-tree index and scans the table — use a full-text index (PostgreSQL tsvector + GIN, MySQL FULLTEXT) or a trigram index (pg_trgm)."
        }
        var advice: [String] = []
        if upper.contains("ORDER BY") && !upper.contains("LIMIT") { advice.append("it sorts without LIMIT: page the results") }
        if upper.hasPrefix("SELECT *") { advice.append("select only the columns used instead of *") }
        let columns = filteredColumns(statement)
        if !columns.isEmpty {
            advice.append("index the filtered columns (\(columns.joined(separator: ", "))) and confirm with EXPLAIN ANALYZE")
        } else {
            advice.append("run EXPLAIN ANALYZE to see whether it scans")
        }
        return advice.joined(separator: "; ").prefix(1).uppercased() + advice.joined(separator: "; ").dropFirst() + "."
    }

    /// Column names compared with a placeholder in WHERE (`course_id = ?` → `course_id`).
    static func filteredColumns(_ statement: String) -> [String] {
        guard let whereRange = statement.uppercased().range(of: " WHERE ") else { return [] }
        let tail = statement[whereRange.upperBound...]
        var columns: [String] = []
        let words = tail.split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" })
        for (index, word) in words.enumerated() where index + 2 < words.count || (word.contains("=") && word.hasSuffix("?")) {
            if word.hasSuffix("=?") || word.hasSuffix("=?,") {
                columns.append(String(word.prefix { $0 != "=" }))
            } else if index + 2 < words.count, ["=", "<", ">", "<=", ">=", "IN"].contains(words[index + 1].uppercased()),
                words[index + 2].hasPrefix("?"), word.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
            {
                columns.append(String(word))
            }
        }
        var seen: Set<String> = []
        return columns.filter { seen.insert($0).inserted }
    }
}
