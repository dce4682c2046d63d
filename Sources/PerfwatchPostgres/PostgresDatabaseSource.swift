import Foundation
import NIOCore
public import PerfwatchAnalysis
import PostgresNIO

/// The advisor's reading side over postgres-nio (a role with `pg_monitor`). Every query is
/// bounded (LIMIT, pages) and tagged with `marker`, so the advisor's own statements are left out
/// of the `pg_stat_statements` it reads.
public final class PostgresDatabaseSource: DatabaseSource {
    let calls: PostgresCalls
    static let marker = "/* perfwatch-advisor */ "
    /// Rows read per catalog query at most (indexes, tables, running queries).
    static let catalogLimit = 10_000

    public init(client: RunningPostgresClient) {
        calls = PostgresCalls(running: client)
    }

    public func queryCost() async -> DatabaseQueryCost { calls.cost }

    public func extensions() async throws -> DatabaseExtensions {
        let sql = Self.marker + """
            SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'),
                   EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'hypopg'),
                   COALESCE((SELECT array_agg(name::text ORDER BY name) FROM pg_available_extensions
                             WHERE name IN ('pg_stat_statements', 'hypopg') AND installed_version IS NULL), '{}'::text[]),
                   current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%'
            """
        return try await calls.withConnection { [calls] connection in
            let row = try await calls.query(connection, sql)[0]
            let (statements, hypopg, available, preloaded) = try row.decode((Bool, Bool, [String], Bool).self)
            return DatabaseExtensions(pgStatStatements: statements, hypopg: hypopg, available: available, statementsPreloaded: preloaded)
        }
    }

    /// Keyset pages over (total time DESC, queryid): no page re-reads or skips rows as OFFSET would.
    /// Rows of one queryid (several roles, top-level or nested) are summed.
    public func topStatements(limit: Int, pageSize: Int) async throws -> [StatementStats] {
        let sql = Self.marker + """
            WITH s AS (
              SELECT queryid, min(query) AS query, sum(calls)::int8 AS calls, sum(total_exec_time)::float8 AS total,
                     sum(rows)::int8 AS rows, sum(shared_blks_hit)::int8 AS hit, sum(shared_blks_read)::int8 AS read
              FROM pg_stat_statements
              WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NOT NULL
                AND query NOT LIKE '%perfwatch-advisor%'
              GROUP BY queryid)
            SELECT queryid, query, calls, total, total / greatest(calls, 1), rows, hit, read FROM s
            WHERE $1::float8 IS NULL OR total < $1 OR (total = $1 AND queryid > $2)
            ORDER BY total DESC, queryid LIMIT $3
            """
        var result: [StatementStats] = []
        var after: (total: Double, queryID: Int64)?
        while result.count < limit {
            let size = min(pageSize, limit - result.count)
            var binds = PostgresBindings()
            binds.append(after?.total)
            binds.append(after?.queryID ?? 0)
            binds.append(size)
            let page = try await calls.withConnection { [calls, binds] connection in
                try await calls.query(connection, sql, binds).map { row in
                    let (id, query, count, total, mean, rows, hit, read) = try row.decode((Int64, String, Int64, Double, Double, Int64, Int64, Int64).self)
                    return StatementStats(
                        queryID: id, query: query, calls: count, totalMs: total, meanMs: mean, rows: rows, sharedBlocksHit: hit, sharedBlocksRead: read)
                }
            }
            result += page
            guard page.count == size, let last = page.last else { break }
            after = (last.totalMs, last.queryID)
        }
        return result
    }

    public func explain(_ statement: String, parameters: [String?], analyze: Bool) async throws -> String {
        let sql = Self.marker + "EXPLAIN (FORMAT JSON, VERBOSE\(analyze ? ", ANALYZE" : "")) " + statement
        let binds = Self.bindings(parameters)
        return try await calls.withConnection { [calls] connection in
            try await Self.explainText(calls, connection, sql, binds)
        }
    }

    /// On one connection (hypothetical indexes live in the backend that made them): reset, create
    /// each, EXPLAIN, reset — the reset also runs when EXPLAIN fails.
    public func hypotheticalCost(_ statement: String, parameters: [String?], indexes: [IndexDefinition]) async throws -> Double {
        let sql = Self.marker + "EXPLAIN (FORMAT JSON) " + statement
        let binds = Self.bindings(parameters)
        let text: String
        do {
            text = try await calls.withConnection { [calls] connection in
                _ = try await calls.query(connection, Self.marker + "SELECT hypopg_reset()")
                do {
                    for index in indexes {
                        var create = PostgresBindings()
                        create.append(Self.hypotheticalDefinition(index))
                        _ = try await calls.query(connection, Self.marker + "SELECT indexrelid FROM hypopg_create_index($1)", create)
                    }
                    let text = try await Self.explainText(calls, connection, sql, binds)
                    _ = try await calls.query(connection, Self.marker + "SELECT hypopg_reset()")
                    return text
                } catch {
                    _ = try? await calls.query(connection, Self.marker + "SELECT hypopg_reset()")
                    throw error
                }
            }
        } catch DatabaseSourceError.database(let state, let message) where state == "42883" && message.contains("hypopg") {
            throw DatabaseSourceError.missingExtension("hypopg")
        }
        return try PlanNode.parse(explainJSON: text).totalCost
    }

    static func hypotheticalDefinition(_ index: IndexDefinition) -> String {
        "CREATE INDEX ON \(IndexStatements.quoted(index.schema)).\(IndexStatements.quoted(index.table)) (\(index.columns.map(IndexStatements.quoted).joined(separator: ", ")))"
    }

    static func explainText(_ calls: PostgresCalls, _ connection: PostgresConnection, _ sql: String, _ binds: PostgresBindings) async throws -> String {
        let rows = try await calls.query(connection, sql, binds)
        // PostgreSQL returns the JSON plan as one `json` value; read it as text.
        guard let first = rows.first else { throw DatabaseSourceError.unexplainable("EXPLAIN returned no plan") }
        let cell = first.makeRandomAccess()[0]
        guard var bytes = cell.bytes, let text = bytes.readString(length: bytes.readableBytes) else {
            throw DatabaseSourceError.unexplainable("EXPLAIN returned an empty plan")
        }
        return text
    }

    static func bindings(_ parameters: [String?]) -> PostgresBindings {
        var binds = PostgresBindings()
        for parameter in parameters {
            if let parameter { binds.append(parameter) } else { binds.appendNull() }
        }
        return binds
    }

    public func indexes() async throws -> [IndexStats] {
        let sql = Self.marker + """
            SELECT n.nspname::text, t.relname::text, c.relname::text,
                   ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k),
                   i.indisunique, i.indisprimary, i.indisvalid, COALESCE(s.idx_scan, 0)::int8, pg_relation_size(i.indexrelid)::int8,
                   pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            ORDER BY 1, 2, 3 LIMIT \(Self.catalogLimit)
            """
        return try await calls.withConnection { [calls] connection in
            try await calls.query(connection, sql).map { row in
                let (schema, table, name, columns, unique, primary, valid, scans, size, definition) = try row.decode(
                    (String, String, String, [String], Bool, Bool, Bool, Int64, Int64, String).self)
                return IndexStats(
                    schema: schema, table: table, name: name, columns: columns, isUnique: unique, isPrimary: primary, isValid: valid, scans: scans,
                    sizeBytes: size, definition: definition)
            }
        }
    }

    public func tables() async throws -> [TableStats] {
        let sql = Self.marker + """
            SELECT schemaname::text, relname::text, n_live_tup::int8, n_dead_tup::int8, pg_total_relation_size(relid)::int8,
                   COALESCE(seq_scan, 0)::int8, COALESCE(idx_scan, 0)::int8,
                   (extract(epoch FROM greatest(last_vacuum, last_autovacuum)) * 1000)::int8,
                   (extract(epoch FROM greatest(last_analyze, last_autoanalyze)) * 1000)::int8
            FROM pg_stat_user_tables ORDER BY n_dead_tup DESC LIMIT \(Self.catalogLimit)
            """
        return try await calls.withConnection { [calls] connection in
            try await calls.query(connection, sql).map { row in
                let (schema, name, live, dead, size, seq, idx, vacuum, analyze) = try row.decode(
                    (String, String, Int64, Int64, Int64, Int64, Int64, Int64?, Int64?).self)
                return TableStats(
                    schema: schema, name: name, liveTuples: live, deadTuples: dead, sizeBytes: size, sequentialScans: seq, indexScans: idx,
                    lastVacuumMs: vacuum, lastAnalyzeMs: analyze)
            }
        }
    }

    public func health() async throws -> DatabaseHealth {
        let ratios = Self.marker + """
            SELECT (SELECT sum(heap_blks_hit)::float8 / nullif(sum(heap_blks_hit) + sum(heap_blks_read), 0) FROM pg_statio_user_tables),
                   (SELECT sum(idx_blks_hit)::float8 / nullif(sum(idx_blks_hit) + sum(idx_blks_read), 0) FROM pg_statio_user_indexes),
                   current_setting('max_connections')::int8
            """
        let states = Self.marker + """
            SELECT COALESCE(state, 'unknown'), count(*)::int8 FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1
            """
        let running = Self.marker + """
            SELECT pid, (extract(epoch FROM now() - query_start) * 1000)::float8, COALESCE(state, ''), left(query, 500)
            FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND state <> 'idle' AND pid <> pg_backend_pid()
              AND query_start < now() - interval '60 seconds'
            ORDER BY query_start LIMIT 50
            """
        let waits = Self.marker + """
            SELECT a.pid, b.pid, (extract(epoch FROM now() - COALESCE(a.state_change, a.query_start)) * 1000)::float8, left(a.query, 500)
            FROM pg_stat_activity a, unnest(pg_blocking_pids(a.pid)) AS b(pid)
            WHERE a.backend_type = 'client backend' ORDER BY 3 DESC LIMIT 50
            """
        return try await calls.withConnection { [calls] connection in
            let (heap, index, maxConnections) = try await calls.query(connection, ratios)[0].decode((Double?, Double?, Int64).self)
            var byState: [String: Int] = [:]
            for row in try await calls.query(connection, states) {
                let (state, count) = try row.decode((String, Int64).self)
                byState[state] = Int(count)
            }
            let longRunning = try await calls.query(connection, running).map { row in
                let (pid, ms, state, query) = try row.decode((Int32, Double, String, String).self)
                return DatabaseHealth.RunningQuery(pid: Int(pid), durationMs: ms, state: state, query: query)
            }
            let lockWaits = try await calls.query(connection, waits).map { row in
                let (pid, blocker, ms, query) = try row.decode((Int32, Int32, Double, String).self)
                return DatabaseHealth.LockWait(waitingPID: Int(pid), blockingPID: Int(blocker), waitingMs: ms, query: query)
            }
            return DatabaseHealth(
                heapHitRatio: heap, indexHitRatio: index, maxConnections: Int(maxConnections), connectionsByState: byState, longRunning: longRunning,
                lockWaits: lockWaits)
        }
    }
}
