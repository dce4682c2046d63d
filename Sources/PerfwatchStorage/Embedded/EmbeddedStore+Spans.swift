import Foundation
import GRDB
public import PerfwatchModel

extension EmbeddedStore {
    func writeSpans(_ db: Database, _ spans: [Span], statements: [String: String]) throws {
        if !spans.isEmpty {
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO spans (trace_id, span_id, parent_span_id, service, name, kind, start_ns, duration_ns, status,
                        status_message, route, db_fingerprint, is_entry, attributes, events, resource)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            // Spans of one export share their resource: encode it once per distinct resource.
            var lastResource: [String: String]? = nil
            var lastResourceJSON = "{}"
            for span in spans {
                if lastResource != span.resource {
                    lastResource = span.resource
                    lastResourceJSON = StoredJSON.object(span.resource)
                }
                try insert.execute(arguments: [
                    span.traceID, span.spanID, span.parentSpanID, span.service, span.name, span.kind.rawValue, span.startNs,
                    span.durationNs, span.status.rawValue, span.statusMessage, span.route, span.dbFingerprint,
                    // Entry points: trace roots and every SERVER span (a service's part of a distributed trace).
                    span.parentSpanID.isEmpty || span.kind == .server ? 1 : 0,
                    StoredJSON.object(span.attributes), StoredJSON.events(span.events), lastResourceJSON,
                ])
            }
        }
        if !statements.isEmpty {
            let insert = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO db_statements (fingerprint, statement, first_seen_ms) VALUES (?, ?, ?)")
            let now = TimeParsing.nowMs()
            for (fingerprint, statement) in statements { try insert.execute(arguments: [fingerprint, statement, now]) }
        }
    }

    public func traceSummaries(_ query: TraceQuery) async throws -> [TraceSummary] {
        var conditions = ["is_entry = 1", "start_ns >= ?", "start_ns <= ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [query.from * 1_000_000, query.to * 1_000_000]
        if let service = query.service {
            conditions.append("service = ?")
            arguments.append(service)
        }
        if let route = query.route {
            conditions.append("(route = ? OR name = ?)")
            arguments.append(route)
            arguments.append(route)
        }
        let anyError = "EXISTS (SELECT 1 FROM spans AS failed WHERE failed.trace_id = spans.trace_id AND failed.status = 2)"
        if query.errorsOnly { conditions.append(anyError) }
        if let minimum = query.minDurationMs {
            conditions.append("duration_ns >= ?")
            arguments.append(Int64(minimum * 1e6))
        }
        let order = query.order == .duration ? "duration_ns DESC" : "start_ns DESC"
        let limit = max(1, min(query.limit, 1000))
        let sql = """
            SELECT trace_id, service, name, route, start_ns, duration_ns, \(anyError),
                (SELECT COUNT(*) FROM spans AS member WHERE member.trace_id = spans.trace_id) AS span_count
            FROM spans WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order) LIMIT \(limit * 4)
            """
        let statementArguments = StatementArguments(arguments)
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map { row in
                TraceSummary(
                    traceID: row[0], service: row[1], name: row[2], route: row[3], startMs: Double(row[4] as Int64) / 1e6,
                    durationMs: Double(row[5] as Int64) / 1e6, spanCount: row[7], isError: (row[6] as Int) != 0)
            }
        }
        // A distributed trace has several entry spans; list each trace once, at its best match.
        var seen: Set<String> = []
        return Array(rows.filter { seen.insert($0.traceID).inserted }.prefix(limit))
    }

    public func trace(id: String) async throws -> [Span] {
        try await pool.read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT trace_id, span_id, parent_span_id, service, name, kind, start_ns, duration_ns, status, status_message,
                        attributes, events, resource, route, db_fingerprint
                    FROM spans WHERE trace_id = ? ORDER BY start_ns
                    """, arguments: [id]
            ).map { row in
                Span(
                    traceID: row[0], spanID: row[1], parentSpanID: row[2], service: row[3], name: row[4],
                    kind: Span.Kind(rawValue: row[5]) ?? .unspecified, startNs: row[6], durationNs: row[7],
                    status: Span.Status(rawValue: row[8]) ?? .unset, statusMessage: row[9],
                    attributes: (try? decoder.decode([String: String].self, from: Data((row[10] as String).utf8))) ?? [:],
                    events: (try? decoder.decode([Span.Event].self, from: Data((row[11] as String).utf8))) ?? [],
                    resource: (try? decoder.decode([String: String].self, from: Data((row[12] as String).utf8))) ?? [:],
                    route: row[13], dbFingerprint: row[14])
            }
        }
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

extension EmbeddedStore {
    public func tracesPerFingerprint(from: Int64, to: Int64, fingerprints: [String]) async throws -> [String: Int] {
        guard !fingerprints.isEmpty else { return [:] }
        var values: [(any DatabaseValueConvertible)?] = fingerprints
        values.append(from * 1_000_000)
        values.append(to * 1_000_000)
        let arguments = StatementArguments(values)
        return try await pool.read { db in
            var result: [String: Int] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT db_fingerprint, COUNT(DISTINCT trace_id) FROM spans
                    WHERE db_fingerprint IN (\(Self.placeholders(fingerprints.count))) AND start_ns >= ? AND start_ns <= ?
                    GROUP BY db_fingerprint
                    """, arguments: arguments)
            for row in rows { result[row[0] as String] = row[1] as Int }
            return result
        }
    }
}
