import Foundation
import GRDB

/// Keeps the write-ahead log small while the server runs (issue 15 #19: after an import of a
/// million samples the directory held a 2.0 MB database and a 5.1 MB WAL that never shrank,
/// 7.2 MB running against 1.9 MB stopped). SQLite's automatic checkpoints copy the WAL into the
/// database but reuse the file at its largest size; two things bound it:
/// - `journal_size_limit` (set on every connection, `walSizeLimitBytes`): when a checkpoint
///   lets the WAL start over, SQLite cuts the file back to this size, so one big transaction
///   does not leave a big file behind;
/// - `checkpointWAL()` (the server calls it every few seconds): folds the WAL into the database
///   and truncates it to zero, so an idle server's directory is what a stopped one leaves.
extension EmbeddedStore {
    /// The WAL size SQLite truncates to after a checkpoint resets it.
    public static let walSizeLimitBytes: Int64 = 1 << 20

    /// How long a connection waits for a lock (GRDB's busy timeout).
    static let busyTimeoutSeconds = 5

    /// Bytes in the `-wal` file now (0 when there is none).
    public var walBytes: Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: databasePath + "-wal")
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Folds the WAL into the database and truncates it; `false` when a reader still used the
    /// WAL (a long query's snapshot), then the frames it could copy are copied and the next call
    /// tries again. It never waits for readers — with the busy timeout, a query running for
    /// seconds would hold the writer, and so ingest, that long — and holds the writer only for
    /// the copy.
    @discardableResult
    public func checkpointWAL() async throws -> Bool {
        guard walBytes > 0 else { return true }
        return try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA busy_timeout = 0")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Self.busyTimeoutSeconds * 1000)") }
            // One row: (blocked, WAL frames, frames checkpointed); blocked is 1 when readers kept it from finishing.
            let blocked = try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") ?? 1
            return blocked == 0
        }
    }
}
