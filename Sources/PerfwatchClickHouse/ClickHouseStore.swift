public import PerfwatchModel
import PerfwatchSketch
public import PerfwatchStorage
import Synchronization

/// A `MetricStore` on ClickHouse over its HTTP interface (docs/formats/clickhouse.md): the
/// series catalog in memory (loaded at open, like the embedded store's), counter and gauge
/// samples as rows, distributions as sketch bins merged inside ClickHouse.
///
/// Metrics only so far: a payload carrying spans or browser records is refused whole with an
/// error (nothing of it is written), never stored in part.
///
/// Durability: `append` returns once ClickHouse has acknowledged every INSERT of the payload
/// (series rows first, then samples, then 10 s buckets, whose 1 m and 1 h rows the materialized
/// views write in the same INSERT). A failure part-way leaves what was acknowledged before it;
/// a retried payload may then count those rows twice (at-least-once, see the format note).
public final class ClickHouseStore: MetricStore {
    struct State: Sendable {
        var seriesByKey: [SeriesKey: SeriesInfo] = [:]
        var seriesByMetric: [String: [SeriesInfo]] = [:]
        /// Series known to this node whose catalog row ClickHouse has not acknowledged yet:
        /// every append that uses one writes its row again until one succeeds.
        var unwritten: Set<Int64> = []
        var storageBytes: Int64 = 0
        var storageBytesMeasuredMs: Int64 = .min

        mutating func insert(_ info: SeriesInfo) {
            seriesByKey[info.key] = info
            seriesByMetric[info.key.metric, default: []].append(info)
        }
    }

    public let location: ClickHouseLocation
    public let retention: RetentionPolicy
    let http: ClickHouseHTTP
    private let state = Mutex(State())
    private var database: String { location.database }

    private init(location: ClickHouseLocation, retention: RetentionPolicy) {
        self.location = location
        self.retention = retention
        http = ClickHouseHTTP(location: location)
    }

    /// Connects, creates or migrates the schema and loads the series catalog. Throws
    /// `PerfwatchError(.unavailable)` naming the server when it cannot be reached.
    public static func open(location: ClickHouseLocation, retention: RetentionPolicy = RetentionPolicy()) async throws -> ClickHouseStore {
        let store = ClickHouseStore(location: location, retention: retention)
        try await ClickHouseMigrator(http: store.http, database: location.database).migrate()
        let series = try ClickHouseRows.readSeries(try await store.http.execute(ClickHouseStatements.selectSeries(location.database)))
        store.state.withLock { state in for info in series { state.insert(info) } }
        try await store.measureStorageBytes()
        return store
    }

    // MARK: - Catalog

    public func allSeries() -> [SeriesInfo] { state.withLock { Array($0.seriesByKey.values) } }

    public func series(metric: String) -> [SeriesInfo] { state.withLock { $0.seriesByMetric[metric] ?? [] } }

    public func storageBytes() -> Int64 { state.withLock { $0.storageBytes } }

    // MARK: - Writing

    public func append(_ payload: IngestPayload, deferDerived: Bool) async throws -> AppendOutcome {
        guard payload.spanBlocks.isEmpty, payload.rum.isEmpty else {
            throw PerfwatchError(
                .unprocessable,
                "the ClickHouse store keeps metrics only so far: this write carries \(payload.spanCount) spans and \(payload.rum.count) browser records, which it cannot store (nothing of it was written; docs/formats/clickhouse.md)"
            )
        }
        guard !payload.isEmpty else { return AppendOutcome() }
        // Derived metrics are written at once: holding them back is an embedded-engine saving.
        var points = payload.points
        let own = points.count
        points.append(contentsOf: payload.derived)
        points.append(contentsOf: payload.journaledDerived)
        let derivedCount = payload.derived.count + payload.journaledDerived.count

        let (resolved, newRows) = resolveSeries(points)
        let values = try BatchValues(points, resolvedIDs: resolved)
        var outcome = values.outcome
        let samples = values.samples.flatMap { series in series.value.map { ClickHouseRows.SampleRow(seriesID: series.key, sample: $0) } }
        let distributionRows = values.distributions.flatMap { series in
            series.value.map { ClickHouseRows.DistributionRow(seriesID: series.key, bucketStart: $0.key, sketch: $0.value) }
        }

        if !newRows.isEmpty {
            try await http.insert(
                ClickHouseStatements.insertSeries(database), rows: ClickHouseRows.series(newRows, createdMs: TimeParsing.nowMs()))
            state.withLock { state in for info in newRows { state.unwritten.remove(info.id) } }
        }
        if !samples.isEmpty {
            try await http.insert(ClickHouseStatements.insertSamples(database), rows: ClickHouseRows.samples(samples))
        }
        if !distributionRows.isEmpty {
            try await http.insert(ClickHouseStatements.insertDistributions(database), rows: try ClickHouseRows.distributions(distributionRows))
        }
        await measureStorageBytesNowAndThen()
        // Conflicts are reported for the caller's own points only, as the embedded store does.
        outcome.kindConflicts.removeAll { $0 >= own }
        outcome.stored = min(outcome.stored, own) + derivedCount
        return outcome
    }

    /// Each batch series' id, nil for a kind conflict (a metric keeps the kind it was first
    /// seen with), and the catalog rows to write: new series and any not yet acknowledged.
    private func resolveSeries(_ batch: PointBatch) -> (ids: [Int64?], rows: [SeriesInfo]) {
        var used = [Bool](repeating: false, count: batch.series.count)
        for entry in batch.entries { used[Int(entry.series)] = true }
        for entry in batch.sketchEntries { used[Int(entry.series)] = true }
        return state.withLock { state in
            var ids: [Int64?] = []
            var rows: [Int64: SeriesInfo] = [:]
            for (position, candidate) in batch.series.enumerated() {
                guard used[position] else {
                    ids.append(nil)
                    continue
                }
                var info = state.seriesByKey[candidate.key]
                if info == nil, state.seriesByMetric[candidate.key.metric]?.first.map({ $0.kind == candidate.kind }) ?? true {
                    let created = SeriesInfo(
                        id: SeriesIdentity.id(of: candidate.key), key: candidate.key, kind: candidate.kind,
                        temporality: candidate.temporality, unit: candidate.unit)
                    state.insert(created)
                    state.unwritten.insert(created.id)
                    info = created
                }
                guard let info, info.kind == candidate.kind else {
                    ids.append(nil)
                    continue
                }
                if state.unwritten.contains(info.id) { rows[info.id] = info }
                ids.append(info.id)
            }
            return (ids, Array(rows.values))
        }
    }

    public func flushDeferred() async throws {}

    // MARK: - Reading

    public func readSamples(seriesIDs: [Int64], from: Int64, to: Int64) async throws -> [Int64: [Sample]] {
        guard !seriesIDs.isEmpty else { return [:] }
        var reader = RowBinaryReader(
            try await http.execute(ClickHouseStatements.selectSamples(database, seriesIDs: seriesIDs, from: from, to: to)))
        var result: [Int64: [Sample]] = [:]
        while !reader.isAtEnd {
            let seriesID = try reader.readInt64()
            let sample = Sample(timeMs: try reader.readInt64(), value: try reader.readFloat64())
            result[seriesID, default: []].append(sample)
        }
        return result
    }

    public func readDistributions(
        seriesIDs: [Int64], from: Int64, to: Int64, resolution: Resolution, withSketches: Bool
    ) async throws -> [Int64: [DistributionBucket]] {
        guard !seriesIDs.isEmpty else { return [:] }
        let sql = ClickHouseStatements.selectDistributions(
            database, seriesIDs: seriesIDs, from: from, to: to, resolution: resolution, withSketches: withSketches)
        var reader = RowBinaryReader(try await http.execute(sql))
        var result: [Int64: [DistributionBucket]] = [:]
        while !reader.isAtEnd {
            let seriesID = try reader.readInt64()
            var bucket = DistributionBucket(
                start: try reader.readInt64(), count: try reader.readFixed64(), sum: try reader.readFloat64(),
                min: try reader.readFloat64(), max: try reader.readFloat64(), sketch: nil)
            if withSketches {
                let bins = SketchBins(keys: try reader.readInt64s(), counts: try reader.readUInt64s())
                bucket.sketch = try bins.sketch(count: bucket.count, sum: bucket.sum, min: bucket.min, max: bucket.max)
            }
            result[seriesID, default: []].append(bucket)
        }
        return result
    }

    // MARK: - Retention and size

    /// Drops whole UTC-day partitions whose every row is past its table's retention: data is
    /// kept up to a day longer than the policy says, never less.
    public func applyRetention(nowMs: Int64) async throws -> RetentionReport {
        var keep: [String: Int64] = ["samples": retention.rawMs]
        for resolution in Resolution.allCases { keep[ClickHouseSchema.distributionTable(resolution)] = retention.keep(resolution) }
        var reader = RowBinaryReader(try await http.execute(ClickHouseStatements.selectPartitions(database)))
        var report = RetentionReport()
        let day: Int64 = 86_400_000
        while !reader.isAtEnd {
            let table = try reader.readString()
            let partition = try reader.readString()
            let rows = Int(clamping: try reader.readFixed64())
            guard let keepMs = keep[table], let partitionDay = Int64(partition) else { continue }
            guard (partitionDay + 1) * day <= nowMs - keepMs else { continue }
            try await http.execute(ClickHouseStatements.dropPartition(database, table: table, day: partitionDay))
            if table == "samples" { report.deletedChunks += rows } else { report.deletedBuckets += rows }
        }
        try await measureStorageBytes()
        return report
    }

    private func measureStorageBytes() async throws {
        var reader = RowBinaryReader(try await http.execute(ClickHouseStatements.selectStorageBytes(database)))
        let bytes = Int64(clamping: try reader.readFixed64())
        let now = TimeParsing.nowMs()
        state.withLock {
            $0.storageBytes = bytes
            $0.storageBytesMeasuredMs = now
        }
    }

    /// `storageBytes()` answers from memory; writes refresh it at most every 10 s.
    private func measureStorageBytesNowAndThen() async {
        let now = TimeParsing.nowMs()
        guard state.withLock({ now - $0.storageBytesMeasuredMs >= 10_000 }) else { return }
        try? await measureStorageBytes()
    }
}
