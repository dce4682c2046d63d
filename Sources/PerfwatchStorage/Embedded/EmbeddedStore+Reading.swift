import Foundation
import GRDB
public import PerfwatchModel
import PerfwatchSketch

extension EmbeddedStore {
    public func readSamples(seriesIDs: [Int64], from: Int64, to: Int64) async throws -> [Int64: [Sample]] {
        guard !seriesIDs.isEmpty else { return [:] }
        let rows = try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT series_id, min_time, data FROM sample_chunks
                    WHERE series_id IN (\(Self.placeholders(seriesIDs.count))) AND max_time >= ? AND min_time <= ?
                    UNION ALL
                    SELECT series_id, min_time, data FROM open_sample_chunks
                    WHERE series_id IN (\(Self.placeholders(seriesIDs.count))) AND max_time >= ? AND min_time <= ?
                    ORDER BY 1, 2
                    """,
                arguments: StatementArguments(
                    seriesIDs.map { $0 as (any DatabaseValueConvertible) } + [from, to]
                        + seriesIDs.map { $0 as (any DatabaseValueConvertible) } + [from, to]))
                .map { (seriesID: $0[0] as Int64, data: $0[2] as Data) }
        }
        var result: [Int64: [Sample]] = [:]
        var unsorted: Set<Int64> = []
        for row in rows {
            let decoded = try SampleChunkDecoder.decode([UInt8](row.data))
            var samples = result[row.seriesID] ?? []
            if let last = samples.last, let first = decoded.first, first.timeMs < last.timeMs { unsorted.insert(row.seriesID) }
            samples.append(contentsOf: decoded.lazy.filter { $0.timeMs >= from && $0.timeMs <= to })
            result[row.seriesID] = samples
        }
        // Chunks may overlap after out-of-order writes or a restart; restore time order.
        for seriesID in unsorted { result[seriesID]?.sort { $0.timeMs < $1.timeMs } }
        return result
    }

    public func readDistributions(
        seriesIDs: [Int64], from: Int64, to: Int64, resolution: Resolution, withSketches: Bool
    ) async throws -> [Int64: [DistributionBucket]] {
        guard !seriesIDs.isEmpty else { return [:] }
        let table = EmbeddedSchema.table(resolution)
        let columns = withSketches ? "series_id, bucket, count, sum, min, max, sketch" : "series_id, bucket, count, sum, min, max"
        return try await pool.read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(columns) FROM \(table)
                    WHERE series_id IN (\(Self.placeholders(seriesIDs.count))) AND bucket >= ? AND bucket <= ?
                    ORDER BY series_id, bucket
                    """,
                arguments: StatementArguments(seriesIDs.map { $0 as (any DatabaseValueConvertible) } + [from, to]))
            var result: [Int64: [DistributionBucket]] = [:]
            var currentID: Int64 = .min
            var current: [DistributionBucket] = []
            while let row = try cursor.next() {
                let seriesID: Int64 = row[0]
                if seriesID != currentID {
                    if !current.isEmpty { result[currentID] = current }
                    current = result[seriesID] ?? []
                    currentID = seriesID
                }
                var sketch: QuantileSketch? = nil
                if withSketches {
                    sketch = try row.withUnsafeData(atIndex: 6) { data in
                        guard let data else { throw PerfwatchError(.internal, "distribution bucket without a sketch") }
                        return try data.withUnsafeBytes { try QuantileSketch(encoded: $0) }
                    }
                }
                current.append(
                    DistributionBucket(
                        start: row[1], count: UInt64(clamping: row[2] as Int64), sum: row[3], min: row[4], max: row[5], sketch: sketch))
            }
            if !current.isEmpty { result[currentID] = current }
            return result
        }
    }

    public func applyRetention(nowMs: Int64) async throws -> RetentionReport {
        let retention = configuration.retention
        let report = try await pool.write { db -> RetentionReport in
            var report = RetentionReport()
            try db.execute(sql: "DELETE FROM sample_chunks WHERE max_time < ?", arguments: [nowMs - retention.rawMs])
            report.deletedChunks = db.changesCount
            let expiredOpen = try Int64.fetchAll(
                db, sql: "DELETE FROM open_sample_chunks WHERE max_time < ? RETURNING series_id", arguments: [nowMs - retention.rawMs])
            report.deletedChunks += expiredOpen.count
            self.dropOpenChunks(expiredOpen)
            // Cached buckets may be among those deleted; a later merge must not bring them back.
            self.withState { $0.hotSketches = HotSketchCache() }
            for resolution in Resolution.allCases {
                try db.execute(
                    sql: "DELETE FROM \(EmbeddedSchema.table(resolution)) WHERE bucket < ?",
                    arguments: [nowMs - retention.keep(resolution)])
                report.deletedBuckets += db.changesCount
            }
            report.deletedSpans = try self.deleteSpans(db, startedBeforeNs: nowMs.saturatingSubtracting(retention.spansMs).msToNs)
            report.deletedRUMRecords = try self.deleteRUM(db, before: nowMs - retention.rumMs)
            return report
        }
        if report.deletedChunks + report.deletedBuckets + report.deletedSpans + report.deletedRUMRecords > 0 {
            // Give the freed pages back to the file system.
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA incremental_vacuum") }
        }
        return report
    }

    /// Forgets open chunks whose rows retention deleted (called inside that write transaction).
    func dropOpenChunks(_ seriesIDs: [Int64]) {
        guard !seriesIDs.isEmpty else { return }
        withState { state in for id in seriesIDs { state.openChunks[id] = nil } }
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }
}
