import Foundation
import GRDB
import PerfwatchModel

/// Moves spans stored one row each (schema v2) into span blocks (v3), so an upgrade keeps
/// every trace already accepted.
enum SpanRowMigration {
    static func moveRowsToBlocks(_ db: Database) throws {
        let decoder = JSONDecoder()
        var lastRowID: Int64 = 0
        while true {
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT rowid, trace_id, span_id, parent_span_id, service, name, kind, start_ns, duration_ns, status,
                        status_message, attributes, events, resource, route, db_fingerprint
                    FROM spans WHERE rowid > ? ORDER BY rowid LIMIT ?
                    """, arguments: [lastRowID, SpanBlockCodec.maxSpansPerBlock])
            guard let last = rows.last else { return }
            lastRowID = last[0]
            let spans = rows.map { row in
                Span(
                    traceID: row[1], spanID: row[2], parentSpanID: row[3], service: row[4], name: row[5],
                    kind: Span.Kind(rawValue: row[6]) ?? .unspecified, startNs: row[7], durationNs: row[8],
                    status: Span.Status(rawValue: row[9]) ?? .unset, statusMessage: row[10],
                    attributes: (try? decoder.decode([String: String].self, from: Data((row[11] as String).utf8))) ?? [:],
                    events: (try? decoder.decode([Span.Event].self, from: Data((row[12] as String).utf8))) ?? [],
                    resource: (try? decoder.decode([String: String].self, from: Data((row[13] as String).utf8))) ?? [:],
                    route: row[14], dbFingerprint: row[15])
            }
            try EmbeddedStore.insert(SpanBlockCodec.encode(spans[...]), into: db)
        }
    }
}
