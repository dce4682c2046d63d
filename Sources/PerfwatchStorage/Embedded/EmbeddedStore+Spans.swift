import Foundation
import GRDB
public import PerfwatchModel

/// Spans live in compressed blocks (`span_blocks`, one per export) found through three small
/// tables: `trace_index` (trace → blocks), `trace_entries` (the spans a trace list shows) and
/// `trace_errors` (traces with a failed span). See docs/storage.md.
extension EmbeddedStore {
    /// Returns the id of the last block written (nil when none).
    func writeSpans(_ db: Database, _ blocks: [SpanBlock], statements: [String: String]) throws -> Int64? {
        var lastBlock: Int64? = nil
        for block in blocks { lastBlock = try Self.insert(block, into: db) ?? lastBlock }
        if !statements.isEmpty {
            let insert = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO db_statements (fingerprint, statement, first_seen_ms) VALUES (?, ?, ?)")
            let now = TimeParsing.nowMs()
            for (fingerprint, statement) in statements { try insert.execute(arguments: [fingerprint, statement, now]) }
        }
        return lastBlock
    }

    /// Returns the new block's id (nil for an empty block).
    @discardableResult
    static func insert(_ block: SpanBlock, into db: Database) throws -> Int64? {
        guard block.spanCount > 0 else { return nil }
        try db.cachedStatement(sql: "INSERT INTO span_blocks (min_start_ns, max_start_ns, span_count, data) VALUES (?, ?, ?, ?)")
            .execute(arguments: [block.minStartNs, block.maxStartNs, block.spanCount, Data(block.data)])
        let blockID = db.lastInsertedRowID
        let indexTrace = try db.cachedStatement(sql: "INSERT OR IGNORE INTO trace_index (trace_key, block_id, span_count) VALUES (?, ?, ?)")
        let markError = try db.cachedStatement(sql: "INSERT OR IGNORE INTO trace_errors (trace_key, start_ns) VALUES (?, ?)")
        for trace in block.traces {
            try indexTrace.execute(arguments: [trace.traceKey, blockID, trace.spanCount])
            if trace.hasError { try markError.execute(arguments: [trace.traceKey, trace.startNs]) }
        }
        let addEntry = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO trace_entries (start_ns, span_key, trace_key, trace_id, service, name, route, duration_ns)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for entry in block.entries {
            try addEntry.execute(arguments: [
                entry.startNs, entry.spanKey, entry.traceKey, entry.traceID, entry.service, entry.name, entry.route, entry.durationNs,
            ])
        }
        return blockID
    }

    public func spansPendingDerivation() async throws -> [Span] {
        let blocks = try await pool.read { db in
            try Data.fetchAll(
                db,
                sql: """
                    SELECT data FROM span_blocks
                    WHERE id > (SELECT value FROM store_state WHERE name = 'derived_through_block') ORDER BY id
                    """)
        }
        return try blocks.flatMap { try SpanBlockCodec.decode([UInt8]($0)) }
    }

    /// Deletes blocks whose newest span started before the cutoff, with their index rows; returns
    /// how many spans went.
    func deleteSpans(_ db: Database, startedBeforeNs cutoff: Int64) throws -> Int {
        let expired = try Row.fetchAll(db, sql: "SELECT id, span_count FROM span_blocks WHERE max_start_ns < ?", arguments: [cutoff])
        var deleted = 0
        let dropIndex = try db.cachedStatement(sql: "DELETE FROM trace_index WHERE block_id = ?")
        let dropBlock = try db.cachedStatement(sql: "DELETE FROM span_blocks WHERE id = ?")
        for row in expired {
            let id: Int64 = row[0]
            try dropIndex.execute(arguments: [id])
            try dropBlock.execute(arguments: [id])
            deleted += row[1] as Int
        }
        try db.execute(sql: "DELETE FROM trace_entries WHERE start_ns < ?", arguments: [cutoff])
        try db.execute(sql: "DELETE FROM trace_errors WHERE start_ns < ?", arguments: [cutoff])
        return deleted
    }

    public func traceSummaries(_ query: TraceQuery) async throws -> [TraceSummary] {
        var conditions = ["start_ns >= ?", "start_ns <= ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [query.from.msToNs, query.to.msToNs]
        if let service = query.service {
            conditions.append("service = ?")
            arguments.append(service)
        }
        if let route = query.route {
            conditions.append("(route = ? OR name = ?)")
            arguments.append(route)
            arguments.append(route)
        }
        if query.errorsOnly { conditions.append("trace_key IN (SELECT trace_key FROM trace_errors)") }
        if let minimum = query.minDurationMs {
            conditions.append("duration_ns >= ?")
            arguments.append(Int64(saturating: minimum * 1e6) ?? 0)
        }
        let order = query.order == .duration ? "duration_ns DESC" : "start_ns DESC"
        let limit = max(1, min(query.limit, 1000))
        let sql = """
            SELECT trace_id, service, name, route, start_ns, duration_ns, trace_key
            FROM trace_entries WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order) LIMIT \(limit * 4)
            """
        let statementArguments = StatementArguments(arguments)
        return try await pool.read { db in
            // A distributed trace has several entry spans; list each trace once, at its best match.
            var seen: Set<String> = []
            var rows: [(row: Row, key: Int64)] = []
            for row in try Row.fetchAll(db, sql: sql, arguments: statementArguments) where rows.count < limit {
                if seen.insert(row[0]).inserted { rows.append((row, row[6])) }
            }
            let keys = rows.map(\.key)
            guard !keys.isEmpty else { return [] }
            let placeholders = Self.placeholders(keys.count)
            var spanCounts: [Int64: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT trace_key, SUM(span_count) FROM trace_index WHERE trace_key IN (\(placeholders)) GROUP BY trace_key",
                arguments: StatementArguments(keys))
            {
                spanCounts[row[0]] = row[1]
            }
            let failed = Set(
                try Int64.fetchAll(
                    db, sql: "SELECT trace_key FROM trace_errors WHERE trace_key IN (\(placeholders))", arguments: StatementArguments(keys)))
            return rows.map { row, key in
                TraceSummary(
                    traceID: row[0], service: row[1], name: row[2], route: row[3], startMs: Double(row[4] as Int64) / 1e6,
                    durationMs: Double(row[5] as Int64) / 1e6, spanCount: spanCounts[key] ?? 0, isError: failed.contains(key))
            }
        }
    }

    public func trace(id: String) async throws -> [Span] {
        guard let key = SpanBlock.traceKey(ofHex: id) else { return [] }
        let blocks = try await pool.read { db in
            try Data.fetchAll(
                db,
                sql: "SELECT data FROM span_blocks WHERE id IN (SELECT block_id FROM trace_index WHERE trace_key = ?) ORDER BY id",
                arguments: [key])
        }
        var spans: [Span] = []
        for block in blocks { spans += try SpanBlockCodec.decode([UInt8](block), traceID: id.lowercased()) }
        return spans.sorted { ($0.startNs, $0.spanID) < ($1.startNs, $1.spanID) }
    }

    public func statements(fingerprints: [String]) async throws -> [String: String] {
        guard !fingerprints.isEmpty else { return [:] }
        return try await pool.read { db in
            var result: [String: String] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT fingerprint, statement FROM db_statements WHERE fingerprint IN (\(Self.placeholders(fingerprints.count)))",
                arguments: StatementArguments(fingerprints))
            for row in rows { result[row[0] as String] = row[1] as String }
            return result
        }
    }
}
