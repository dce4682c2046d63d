import Foundation
import GRDB
public import PerfwatchModel

/// Browser page views, errors and journeys: plain tables, small next to metrics (one row per
/// page view, error or journey), written in the same transaction as the beacon's metrics.
extension EmbeddedStore: RUMStore {
    func writeRUM(_ db: Database, _ records: RUMRecords) throws {
        guard !records.isEmpty else { return }
        let pageView = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO rum_page_views (page_view_id, received_ms, page, url, device, release, connection, session_id, beacon)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for view in records.pageViews {
            let context = view.context
            try pageView.execute(arguments: [
                context.pageViewID, context.receivedMs, context.page, view.url, context.device, context.release, view.connection,
                context.sessionID, view.beaconJSON,
            ])
        }
        let error = try db.cachedStatement(
            sql: """
                INSERT INTO rum_errors (received_ms, fingerprint, kind, message, source, line, col, stack, page, device, release, page_view_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for item in records.errors {
            let context = item.context
            try error.execute(arguments: [
                context.receivedMs, item.fingerprint, item.kind, item.message, item.source, item.line, item.column, item.stack,
                context.page, context.device, context.release, context.pageViewID,
            ])
        }
        // Upsert by id; a final state is never replaced by a later `open` progress report.
        let journey = try db.cachedStatement(
            sql: """
                INSERT INTO rum_journeys (id, type, target_ms, start_ms, end_ms, state, reason, steps, page, device, release, updated_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    end_ms = excluded.end_ms, state = excluded.state, reason = excluded.reason, steps = excluded.steps,
                    updated_ms = excluded.updated_ms
                WHERE rum_journeys.state = 'open'
                """)
        for item in records.journeys {
            try journey.execute(arguments: [
                item.id, item.type, item.targetMs, item.startMs, item.endMs, item.state.rawValue, item.reason,
                Self.encodeSteps(item.steps), item.context.page, item.context.device, item.context.release, item.context.receivedMs,
            ])
        }
    }

    static func encodeSteps(_ steps: [RUMJourney.Step]) -> String {
        var out = "["
        for (index, step) in steps.enumerated() {
            if index > 0 { out += "," }
            out += "["
            JSONString.append(step.name, to: &out)
            out += ",\(step.atMs)]"
        }
        return out + "]"
    }

    static func decodeSteps(_ text: String) -> [RUMJourney.Step] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[Any]] else { return [] }
        return array.compactMap { pair in
            guard pair.count == 2, let name = pair[0] as? String, let at = (pair[1] as? NSNumber)?.doubleValue else { return nil }
            return RUMJourney.Step(name: name, atMs: at)
        }
    }

    public func rumErrorGroups(from: Int64, to: Int64, limit: Int) async throws -> [RUMErrorGroup] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT fingerprint, COUNT(*) AS n, MIN(received_ms), MAX(received_ms),
                        MAX(kind), MAX(message), MAX(source), MAX(line), MAX(col), MAX(stack)
                    FROM rum_errors WHERE received_ms >= ? AND received_ms <= ?
                    GROUP BY fingerprint ORDER BY n DESC, MAX(received_ms) DESC LIMIT ?
                    """, arguments: [from, to, max(1, min(limit, 1000))])
            let pagesStatement = try db.cachedStatement(
                sql: """
                    SELECT page FROM rum_errors WHERE fingerprint = ? AND received_ms >= ? AND received_ms <= ?
                    GROUP BY page ORDER BY COUNT(*) DESC LIMIT 20
                    """)
            return try rows.map { row in
                let fingerprint: String = row[0]
                return RUMErrorGroup(
                    fingerprint: fingerprint, kind: row[4], message: row[5], source: row[6], line: row[7], column: row[8],
                    stack: row[9], count: row[1], pages: try String.fetchAll(pagesStatement, arguments: [fingerprint, from, to]),
                    firstSeenMs: row[2], lastSeenMs: row[3])
            }
        }
    }

    public func rumJourneys(from: Int64, to: Int64) async throws -> [RUMJourney] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, type, target_ms, start_ms, end_ms, state, reason, steps, page, device, release, updated_ms
                    FROM rum_journeys WHERE start_ms >= ? AND start_ms <= ? ORDER BY start_ms
                    """, arguments: [from, to]
            ).map { row in
                RUMJourney(
                    id: row[0], type: row[1], targetMs: row[2], startMs: row[3], endMs: row[4],
                    state: RUMJourney.State(rawValue: row[5]) ?? .open, reason: row[6], steps: Self.decodeSteps(row[7]),
                    context: RUMContext(page: row[8], device: row[9], release: row[10], pageViewID: "", sessionID: "", receivedMs: row[11]))
            }
        }
    }

    public func closeStaleJourneys(nowMs: Int64, multiple: Double, defaultTargetMs: Double) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE rum_journeys SET state = 'abandoned', reason = 'timed out', end_ms = updated_ms
                    WHERE state = 'open' AND updated_ms < ? - ? * COALESCE(target_ms, ?)
                    """, arguments: [nowMs, multiple, defaultTargetMs])
            return db.changesCount
        }
    }

    func deleteRUM(_ db: Database, before cutoffMs: Int64) throws -> Int {
        var deleted = 0
        for (table, column) in [("rum_page_views", "received_ms"), ("rum_errors", "received_ms"), ("rum_journeys", "start_ms")] {
            try db.execute(sql: "DELETE FROM \(table) WHERE \(column) < ?", arguments: [cutoffMs])
            deleted += db.changesCount
        }
        return deleted
    }
}
