import Foundation
import GRDB
public import PerfwatchModel
import PerfwatchSketch
import Synchronization

/// The default store: one SQLite database (WAL) in the data directory, through GRDB.
///
/// Counters and gauges are appended to per-series compressed chunks (see `SampleChunkEncoder`);
/// distributions are merged into sketch buckets at 10 s, 1 min and 1 h in the same transaction,
/// so every resolution is always complete, late data included.
public final class EmbeddedStore: MetricStore, SpanStore {
    /// The newest, still-growing chunk of a series: its samples and their encoding so far.
    struct OpenChunk: Sendable {
        var samples: [Sample]
        var encoder: SampleChunkEncoder
    }

    struct State: Sendable {
        var seriesByKey: [SeriesKey: SeriesInfo] = [:]
        var seriesByMetric: [String: [SeriesInfo]] = [:]
        var openChunks: [Int64: OpenChunk] = [:]
        /// Span-derived metrics held back by deferring appends (see `append(_:deferDerived:)`).
        var deferred = DeferredDerived()
        /// What the running write took from `deferred`, put back if it fails.
        var deferredInFlight: DeferredDerived?
        /// Distribution buckets just written, decoded (see `HotSketchCache`).
        var hotSketches = HotSketchCache()

        mutating func insert(_ info: SeriesInfo) {
            seriesByKey[info.key] = info
            seriesByMetric[info.key.metric, default: []].append(info)
        }
    }

    public let configuration: EmbeddedStoreConfiguration
    public var retention: RetentionPolicy { configuration.retention }
    let pool: DatabasePool
    private let lock: DataDirectoryLock
    private let state = Mutex(State())
    let databasePath: String

    public init(configuration: EmbeddedStoreConfiguration) throws {
        self.configuration = configuration
        do {
            try FileManager.default.createDirectory(
                atPath: configuration.directory, withIntermediateDirectories: true)
        } catch {
            throw PerfwatchError(.unavailable, "cannot create data directory \(configuration.directory): \(error)")
        }
        lock = try DataDirectoryLock(directory: configuration.directory)
        databasePath = configuration.directory + "/perfwatch.sqlite"
        var grdb = Configuration()
        let synchronous = configuration.fsyncEachCommit ? "FULL" : "NORMAL"
        grdb.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // A larger page cache keeps the span indexes' hot pages in memory: with the default
            // 2 MB, random trace-id inserts re-read and rewrite index pages, and ingest slowed as
            // the database grew. Memory is only used as pages are touched; readers get less.
            try db.execute(sql: "PRAGMA cache_size = \(db.configuration.readonly ? -8192 : -32768)")
            // The WAL goes back to this size whenever a checkpoint lets it start over (EmbeddedStore+WAL).
            try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walSizeLimitBytes)")
        }
        grdb.busyMode = .timeout(TimeInterval(Self.busyTimeoutSeconds))
        do {
            pool = try DatabasePool(path: databasePath, configuration: grdb)
            try EmbeddedSchema.migrator.migrate(pool)
            // Incremental auto-vacuum lets freed pages (retention, rewritten open chunks) go back
            // to the file system. Switching it on needs a VACUUM, which is instant while the
            // database is still empty, so only new data directories get it.
            try pool.writeWithoutTransaction { db in
                if try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 0, try Int.fetchOne(db, sql: "SELECT count(*) FROM series") == 0 {
                    try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                    try db.execute(sql: "VACUUM")
                }
            }
        } catch {
            throw Self.damaged(error, directory: configuration.directory)
                ?? PerfwatchError(.unavailable, "cannot open database \(databasePath): \(error)")
        }
        do {
            try loadSeries()
            _ = try replayDerivedJournal()
        } catch {
            throw Self.damaged(error, directory: configuration.directory)
                ?? PerfwatchError(.unavailable, "cannot load series or replay held metrics in \(databasePath): \(error)")
        }
    }

    /// A `DamagedStoreError` when `error` says the file itself is broken (not a database,
    /// malformed, a failed read of a page), nil for other failures (permissions, a full disk).
    static func damaged(_ error: any Error, directory: String) -> DamagedStoreError? {
        if let error = error as? DatabaseError,
            [ResultCode.SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_IOERR].contains(error.resultCode)
        {
            return DamagedStoreError(directory: directory, problem: error.message ?? "\(error)")
        }
        if error is SampleChunkDecoder.CorruptChunk || error is DerivedJournalCodec.Corrupt {
            return DamagedStoreError(directory: directory, problem: "\(error)")
        }
        return nil
    }

    private func loadSeries() throws {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, metric, labels, kind, temporality, unit FROM series")
        }
        let openRows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT series_id, data FROM open_sample_chunks").map { ($0[0] as Int64, $0[1] as Data) }
        }
        var fresh = State()
        for (seriesID, data) in openRows {
            let samples = try SampleChunkDecoder.decode([UInt8](data))
            fresh.openChunks[seriesID] = OpenChunk(samples: samples, encoder: .best(for: samples))
        }
        for row in rows {
            let labelsJSON: String = row["labels"]
            let labels = (try? JSONDecoder().decode([String: String].self, from: Data(labelsJSON.utf8))) ?? [:]
            let info = SeriesInfo(
                id: row["id"], key: SeriesKey(metric: row["metric"], labels: Labels(labels)),
                kind: MetricKind(rawValue: row["kind"]) ?? .gauge,
                temporality: Temporality(rawValue: row["temporality"]) ?? .delta, unit: row["unit"])
            fresh.insert(info)
        }
        state.withLock { current in
            // Held-back metrics are not on disk: a reload after a failed write keeps them.
            fresh.deferred = current.deferred
            fresh.deferredInFlight = current.deferredInFlight
            current = fresh
        }
    }

    func withState<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }

    /// Packs the open chunks, returns free pages to the file system and folds the WAL into the
    /// database, so a stopped server leaves one compact file. Called at graceful shutdown.
    public func compact() async throws {
        try await pool.writeWithoutTransaction { db in
            // Open chunks shrink when sealed; rewriting the small table packs its pages.
            try db.inTransaction {
                try db.execute(sql: "CREATE TEMP TABLE packed AS SELECT * FROM open_sample_chunks")
                try db.execute(sql: "DELETE FROM open_sample_chunks")
                try db.execute(sql: "INSERT INTO open_sample_chunks SELECT * FROM packed")
                try db.execute(sql: "DROP TABLE packed")
                return .commit
            }
            try db.execute(sql: "PRAGMA incremental_vacuum")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    // MARK: - Reading metadata

    public func allSeries() -> [SeriesInfo] {
        state.withLock { Array($0.seriesByKey.values) }
    }

    public func series(metric: String) -> [SeriesInfo] {
        state.withLock { $0.seriesByMetric[metric] ?? [] }
    }

    public func storageBytes() -> Int64 {
        var total: Int64 = 0
        for suffix in ["", "-wal", "-shm"] {
            if let attributes = try? FileManager.default.attributesOfItem(atPath: databasePath + suffix),
                let size = attributes[.size] as? NSNumber
            {
                total += size.int64Value
            }
        }
        return total
    }

    // MARK: - Writing

    public func append(_ payload: IngestPayload, deferDerived: Bool) async throws -> AppendOutcome {
        guard !payload.isEmpty else { return AppendOutcome() }
        let derivedCount = payload.derived.count + payload.journaledDerived.count
        let written = try await writeTransaction { db -> (outcome: AppendOutcome, held: Bool, lastBlock: Int64?, journal: Int64?) in
            let lastBlock = try self.writeSpans(db, payload.spanBlocks, statements: payload.statements)
            try self.writeRUM(db, payload.rum)
            // Derived metrics cost most of a span or beacon commit (sketch buckets at three
            // resolutions); holding them back while commits follow each other merges many
            // commits' worth into one write. They join the held ones once this commit is
            // durable (`onCommit`), so a failed commit never leaves them behind.
            let hold = deferDerived && derivedCount > 0 && self.withState { $0.deferred.canHold(derivedCount) }
            if hold {
                var journal: Int64? = nil
                if !payload.journaledDerived.isEmpty {
                    try db.cachedStatement(sql: "INSERT INTO derived_journal (data) VALUES (?)")
                        .execute(arguments: [Data(DerivedJournalCodec.encode(payload.journaledDerived))])
                    journal = db.lastInsertedRowID
                }
                var outcome = try self.appendInTransaction(db, payload.points)
                outcome.stored += derivedCount
                return (outcome, true, lastBlock, journal)
            }
            var points = payload.points
            let own = points.count
            points.append(contentsOf: try self.takeDeferred(db, alsoThrough: lastBlock))
            points.append(contentsOf: payload.derived)
            points.append(contentsOf: payload.journaledDerived)
            var outcome = try self.appendInTransaction(db, points)
            // Conflicts are reported for the caller's own points only.
            outcome.kindConflicts.removeAll { $0 >= own }
            outcome.stored = min(outcome.stored, own) + derivedCount
            return (outcome, false, lastBlock, nil)
        } onCommit: { written in
            guard written.held else { return }
            self.withState { state in
                state.deferred.add(payload.derived, throughBlock: written.lastBlock)
                state.deferred.add(payload.journaledDerived, throughBlock: nil, throughJournal: written.journal)
            }
        }
        return written.outcome
    }

    /// Rows in `derived_journal` (for tests and diagnostics).
    func derivedJournalRows() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM derived_journal") ?? 0 }
    }

    /// Writes what a crash left in `derived_journal` (held metrics of beacons, see
    /// `DerivedJournalCodec`) and empties it, in one transaction. Runs when the store opens.
    func replayDerivedJournal() throws -> Int {
        try pool.writeWithoutTransaction { db in
            var replayed = 0
            try db.inTransaction {
                let rows = try Row.fetchAll(db, sql: "SELECT data FROM derived_journal ORDER BY id")
                guard !rows.isEmpty else { return .commit }
                var points = PointBatch()
                for row in rows {
                    let data: Data = row[0]
                    points.append(contentsOf: try DerivedJournalCodec.decode([UInt8](data)))
                }
                replayed = try self.appendInTransaction(db, points).stored
                try db.execute(sql: "DELETE FROM derived_journal")
                return .commit
            }
            return replayed
        }
    }

    public func flushDeferred() async throws {
        // Also when another flush is writing what it took: going through the (serialized)
        // writer after it means returning only once those metrics are committed, so a query
        // right after still sees everything acknowledged.
        guard withState({ !$0.deferred.isEmpty || $0.deferredInFlight != nil }) else { return }
        try await writeTransaction { db in
            let points = try self.takeDeferred(db, alsoThrough: nil)
            if !points.isEmpty { _ = try self.appendInTransaction(db, points) }
        } onCommit: { _ in }
    }

    /// Runs `body` in one transaction on the serialized writer. What happens to held-back
    /// metrics after it — `onCommit` once the commit is durable, or putting back what the
    /// body took when the body or the commit fails — happens on the writer too, so no other
    /// write can come in between. After a failure the open chunks are reloaded as on disk.
    private func writeTransaction<T: Sendable>(
        _ body: @escaping @Sendable (Database) throws -> T, onCommit: @escaping @Sendable (T) -> Void
    ) async throws -> T {
        do {
            return try await pool.writeWithoutTransaction { db in
                var result: T?
                do {
                    try db.inTransaction {
                        result = try body(db)
                        return .commit
                    }
                } catch {
                    self.withState { state in
                        if let taken = state.deferredInFlight { state.deferred.restore(taken) }
                        state.deferredInFlight = nil
                    }
                    throw error
                }
                self.withState { $0.deferredInFlight = nil }
                onCommit(result!)
                return result!
            }
        } catch {
            try? loadSeries()
            throw error
        }
    }

    /// Moves the held-back metrics out (to be written in this transaction; kept as in flight
    /// until it commits) and records that every span block through them, and through
    /// `alsoThrough` (this commit's own blocks), has its metrics written.
    private func takeDeferred(_ db: Database, alsoThrough block: Int64?) throws -> PointBatch {
        let taken = withState { state -> DeferredDerived in
            // Nothing held: leave any other write's in-flight batch alone (it may still fail
            // and need it back).
            guard !state.deferred.isEmpty else { return DeferredDerived() }
            state.deferredInFlight = state.deferred
            state.deferred = DeferredDerived()
            return state.deferredInFlight!
        }
        let through = max(taken.throughBlock, block ?? 0)
        if through > 0 {
            try db.execute(
                sql: "UPDATE store_state SET value = ? WHERE name = 'derived_through_block' AND value < ?", arguments: [through, through])
        }
        if taken.throughJournal > 0 {
            try db.execute(sql: "DELETE FROM derived_journal WHERE id <= ?", arguments: [taken.throughJournal])
        }
        return taken.points
    }

    /// Runs on GRDB's serialized writer, so only one append touches `state.openChunks` at a time.
    private func appendInTransaction(_ db: Database, _ batch: PointBatch) throws -> AppendOutcome {
        let now = TimeParsing.nowMs()
        var newSeries: [SeriesInfo] = []
        // Resolve each distinct series of the batch once; nil marks a kind conflict.
        var resolvedIDs: [Int64?] = []
        resolvedIDs.reserveCapacity(batch.series.count)
        var createdInBatch: [SeriesKey: SeriesInfo] = [:]
        var kindsByMetric: [String: MetricKind] = [:]
        let insertSeries = try db.cachedStatement(
            sql: "INSERT INTO series (metric, labels, kind, temporality, unit, created_ms) VALUES (?, ?, ?, ?, ?, ?)")
        // Only series with values are created: batches built on a shared series array
        // (`PointBatch(sharedSeries:)`, a page view's template) carry unused ones.
        var used = [Bool](repeating: false, count: batch.series.count)
        for entry in batch.entries { used[Int(entry.series)] = true }
        for entry in batch.sketchEntries { used[Int(entry.series)] = true }
        // Known series resolved under one lock for the whole batch (a beacon commit holds
        // thousands of series entries; locking per entry showed in profiles).
        let known = state.withLock { state in
            batch.series.indices.map { position -> (SeriesInfo?, MetricKind?) in
                guard used[position] else { return (nil, nil) }
                let key = batch.series[position].key
                return (state.seriesByKey[key], state.seriesByMetric[key.metric]?.first?.kind)
            }
        }
        for (position, candidate) in batch.series.enumerated() {
            guard used[position] else {
                resolvedIDs.append(nil)
                continue
            }
            let key = candidate.key
            var info = createdInBatch.isEmpty ? nil : createdInBatch[key]
            if info == nil {
                let (existing, metricKind) = known[position]
                info = existing
                if info == nil, (kindsByMetric[key.metric] ?? metricKind).map({ $0 == candidate.kind }) ?? true {
                    try insertSeries.execute(arguments: [
                        key.metric, StoredJSON.object(key.labels.dictionary), candidate.kind.rawValue, candidate.temporality.rawValue, candidate.unit, now,
                    ])
                    let created = SeriesInfo(
                        id: db.lastInsertedRowID, key: key, kind: candidate.kind, temporality: candidate.temporality, unit: candidate.unit)
                    newSeries.append(created)
                    createdInBatch[key] = created
                    // Known series' kinds come from the state; a new one's from here on.
                    kindsByMetric[key.metric] = created.kind
                    info = created
                }
            }
            resolvedIDs.append(info.flatMap { $0.kind == candidate.kind ? $0.id : nil })
        }
        let values = try BatchValues(batch, resolvedIDs: resolvedIDs)
        let updatedChunks = try writeSamples(db, values.samples)
        try writeDistributions(db, values.distributions)
        state.withLock { state in
            for info in newSeries { state.insert(info) }
            for (seriesID, chunk) in updatedChunks { state.openChunks[seriesID] = chunk }
        }
        return values.outcome
    }

    /// Appends to each series' open chunk (rewritten in `open_sample_chunks` every commit) and
    /// seals full chunks into `sample_chunks`, where rows are written once and never change —
    /// so sealed data packs densely. Late samples are merged into the open chunk in time order;
    /// sealed chunks may therefore overlap in time, and readers merge them.
    private func writeSamples(_ db: Database, _ samplesBySeries: [Int64: [Sample]]) throws -> [Int64: OpenChunk] {
        guard !samplesBySeries.isEmpty else { return [:] }
        let open = state.withLock { state in samplesBySeries.keys.reduce(into: [Int64: OpenChunk]()) { $0[$1] = state.openChunks[$1] } }
        let seal = try db.cachedStatement(
            sql: "INSERT INTO sample_chunks (series_id, min_time, max_time, count, data) VALUES (?, ?, ?, ?, ?)")
        let upsertOpen = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO open_sample_chunks (series_id, min_time, max_time, count, data) VALUES (?, ?, ?, ?, ?)")
        let limit = configuration.maxSamplesPerChunk
        func sealChunks(_ samples: ArraySlice<Sample>, seriesID: Int64) throws {
            var start = samples.startIndex
            while start < samples.endIndex {
                let end = min(start + limit, samples.endIndex)
                let encoder = SampleChunkEncoder.best(for: Array(samples[start..<end]))
                try seal.execute(arguments: [seriesID, encoder.firstTime, encoder.lastTime, encoder.count, Data(encoder.bytes)])
                start = end
            }
        }
        var result: [Int64: OpenChunk] = [:]
        for (seriesID, unsorted) in samplesBySeries {
            let incoming = unsorted.count > 1 ? unsorted.sorted { $0.timeMs < $1.timeMs } : unsorted
            var chunk = open[seriesID] ?? OpenChunk(samples: [], encoder: .xor())
            if chunk.samples.isEmpty {
                chunk.samples = incoming
                chunk.encoder = .best(for: incoming)
            } else if incoming.first!.timeMs >= chunk.samples.last!.timeMs && incoming.allSatisfy({ chunk.encoder.canAppend($0) }) {
                for sample in incoming { chunk.encoder.append(sample) }
                chunk.samples.append(contentsOf: incoming)
            } else {
                // Late samples (concurrent requests commit in any order) join the open chunk in
                // time order rather than becoming a tiny chunk of their own.
                chunk.samples = Self.mergeSorted(chunk.samples, incoming)
                chunk.encoder = chunk.encoder.reencoded(chunk.samples)
            }
            if chunk.samples.count >= limit {
                let full = chunk.samples.count / limit * limit
                try sealChunks(chunk.samples[..<full], seriesID: seriesID)
                chunk.samples.removeFirst(full)
                chunk.encoder = .best(for: chunk.samples)
            }
            if chunk.samples.isEmpty {
                try db.execute(sql: "DELETE FROM open_sample_chunks WHERE series_id = ?", arguments: [seriesID])
            } else {
                try upsertOpen.execute(arguments: [
                    seriesID, chunk.encoder.firstTime, chunk.encoder.lastTime, chunk.encoder.count, Data(chunk.encoder.bytes),
                ])
            }
            result[seriesID] = chunk
        }
        return result
    }

    static func mergeSorted(_ left: [Sample], _ right: [Sample]) -> [Sample] {
        var merged: [Sample] = []
        merged.reserveCapacity(left.count + right.count)
        var i = 0
        var j = 0
        while i < left.count && j < right.count {
            if right[j].timeMs < left[i].timeMs {
                merged.append(right[j])
                j += 1
            } else {
                merged.append(left[i])
                i += 1
            }
        }
        merged.append(contentsOf: left[i...])
        merged.append(contentsOf: right[j...])
        return merged
    }

    /// Merges each (series, bucket) sketch into its row at every resolution.
    ///
    /// Cost is B-tree work on the single writer, so each row is touched as little as possible:
    /// keys are visited in primary-key order (neighbouring rows share pages); a bucket that is
    /// probably new (a 10 s bucket not in the hot cache) is inserted straight away and read
    /// back only when the insert finds it taken; an existing row is updated in place (`INSERT
    /// OR REPLACE` deleted and re-inserted it, and its `by_bucket` index entry with it).
    private func writeDistributions(_ db: Database, _ distributions: [Int64: [Int64: QuantileSketch]]) throws {
        guard !distributions.isEmpty else { return }
        // Taken out while writing and put back only once every bucket is written: a failure
        // leaves the cache empty (and a failed transaction reloads the state anyway).
        var cache = withState { state in
            defer { state.hotSketches = HotSketchCache() }
            return state.hotSketches
        }
        for resolution in Resolution.allCases {
            let rows = Self.bucketRows(distributions, at: resolution)
            let table = EmbeddedSchema.table(resolution)
            let select = try db.cachedStatement(sql: "SELECT sketch FROM \(table) WHERE series_id = ? AND bucket = ?")
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO \(table) (series_id, bucket, count, sum, min, max, sketch) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (series_id, bucket) DO NOTHING
                    """)
            let update = try db.cachedStatement(
                sql: "UPDATE \(table) SET count = ?, sum = ?, min = ?, max = ?, sketch = ? WHERE series_id = ? AND bucket = ?")
            let cacheable = HotSketchCache.caches(resolution)
            func insertNew(_ sketch: QuantileSketch, _ row: BucketRow) throws -> Bool {
                try insert.execute(arguments: [
                    row.seriesID, row.bucket, Int64(clamping: sketch.count), sketch.sum, sketch.min, sketch.max, Data(sketch.encoded()),
                ])
                return db.changesCount > 0
            }
            func mergedWithStored(_ row: BucketRow) throws -> QuantileSketch? {
                guard let existing = try Data.fetchOne(select, arguments: [row.seriesID, row.bucket]) else { return nil }
                var stored = try existing.withUnsafeBytes { try QuantileSketch(encoded: $0) }
                stored.merge(row.sketch)
                return stored
            }
            for row in rows {
                let key = HotSketchCache.Key(resolution: resolution, seriesID: row.seriesID, bucket: row.bucket)
                let sketch: QuantileSketch
                if cacheable, let cached = cache.merge(row.sketch, into: key) {
                    sketch = cached
                } else if cacheable {
                    // Minute and hour buckets usually exist already: read first.
                    guard let merged = try mergedWithStored(row) else {
                        _ = try insertNew(row.sketch, row)
                        cache.store(row.sketch, for: key)
                        continue
                    }
                    sketch = merged
                    cache.store(sketch, for: key)
                } else {
                    if try insertNew(row.sketch, row) { continue }
                    guard let merged = try mergedWithStored(row) else {
                        throw PerfwatchError(.internal, "distribution bucket \(row.bucket) of series \(row.seriesID) vanished while merging")
                    }
                    sketch = merged
                }
                try update.execute(arguments: [
                    Int64(clamping: sketch.count), sketch.sum, sketch.min, sketch.max, Data(sketch.encoded()), row.seriesID, row.bucket,
                ])
            }
        }
        cache.trim()
        withState { $0.hotSketches = cache }
    }

    struct BucketRow {
        var seriesID: Int64
        var bucket: Int64
        var sketch: QuantileSketch
    }

    /// The 10 s sketches of a commit folded into `resolution`'s buckets, in primary-key order.
    static func bucketRows(_ distributions: [Int64: [Int64: QuantileSketch]], at resolution: Resolution) -> [BucketRow] {
        var rows: [BucketRow] = []
        for (seriesID, buckets) in distributions {
            if resolution == .tenSeconds {
                for (bucket, sketch) in buckets { rows.append(BucketRow(seriesID: seriesID, bucket: bucket, sketch: sketch)) }
                continue
            }
            var merged: [Int64: QuantileSketch] = [:]
            for (start, sketch) in buckets {
                let bucket = resolution.bucketStart(start)
                if merged[bucket] == nil { merged[bucket] = sketch } else { merged[bucket]!.merge(sketch) }
            }
            for (bucket, sketch) in merged { rows.append(BucketRow(seriesID: seriesID, bucket: bucket, sketch: sketch)) }
        }
        rows.sort { ($0.seriesID, $0.bucket) < ($1.seriesID, $1.bucket) }
        return rows
    }
}
