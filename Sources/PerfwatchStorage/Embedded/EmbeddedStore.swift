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
public final class EmbeddedStore: MetricStore {
    struct OpenChunk: Sendable {
        var rowID: Int64?
        var encoder: SampleChunkEncoder
    }

    struct State: Sendable {
        var seriesByKey: [SeriesKey: SeriesInfo] = [:]
        var seriesByMetric: [String: [SeriesInfo]] = [:]
        var openChunks: [Int64: OpenChunk] = [:]

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
        }
        grdb.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: databasePath, configuration: grdb)
            try EmbeddedSchema.migrator.migrate(pool)
        } catch {
            throw PerfwatchError(.unavailable, "cannot open database \(databasePath): \(error)")
        }
        try loadSeries()
    }

    private func loadSeries() throws {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, metric, labels, kind, temporality, unit FROM series")
        }
        var fresh = State()
        for row in rows {
            let labelsJSON: String = row["labels"]
            let labels = (try? JSONDecoder().decode([String: String].self, from: Data(labelsJSON.utf8))) ?? [:]
            let info = SeriesInfo(
                id: row["id"], key: SeriesKey(metric: row["metric"], labels: Labels(labels)),
                kind: MetricKind(rawValue: row["kind"]) ?? .gauge,
                temporality: Temporality(rawValue: row["temporality"]) ?? .delta, unit: row["unit"])
            fresh.insert(info)
        }
        state.withLock { $0 = fresh }
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

    public func append(_ points: [MetricPoint]) async throws -> AppendOutcome {
        guard !points.isEmpty else { return AppendOutcome() }
        do {
            return try await pool.write { db in try self.appendInTransaction(db, points) }
        } catch {
            // The transaction rolled back: in-memory chunk positions may point past what is on disk.
            try? loadSeries()
            throw error
        }
    }

    /// Runs on GRDB's serialized writer, so only one append touches `state.openChunks` at a time.
    private func appendInTransaction(_ db: Database, _ points: [MetricPoint]) throws -> AppendOutcome {
        var outcome = AppendOutcome()
        let now = TimeParsing.nowMs()
        var newSeries: [SeriesInfo] = []
        var resolved: [SeriesKey: SeriesInfo] = [:]
        var samplesBySeries: [Int64: [Sample]] = [:]
        var distributions: [Int64: [Int64: QuantileSketch]] = [:]  // series → 10 s bucket → sketch
        let (known, metricKinds) = state.withLock { state in
            var known: [SeriesKey: SeriesInfo] = [:]
            var kinds: [String: MetricKind] = [:]
            for point in points {
                if let info = state.seriesByKey[point.series] { known[point.series] = info }
                if kinds[point.series.metric] == nil, let first = state.seriesByMetric[point.series.metric]?.first {
                    kinds[point.series.metric] = first.kind
                }
            }
            return (known, kinds)
        }
        var kindsByMetric = metricKinds
        let insertSeries = try db.cachedStatement(
            sql: "INSERT INTO series (metric, labels, kind, temporality, unit, created_ms) VALUES (?, ?, ?, ?, ?, ?)")
        for (index, point) in points.enumerated() {
            if let kind = kindsByMetric[point.series.metric], kind != point.kind {
                outcome.kindConflicts.append(index)
                continue
            }
            kindsByMetric[point.series.metric] = point.kind
            var info = known[point.series] ?? resolved[point.series]
            if info == nil {
                let labelsJSON = Self.json(point.series.labels)
                try insertSeries.execute(arguments: [
                    point.series.metric, labelsJSON, point.kind.rawValue, point.temporality.rawValue,
                    point.unit, now,
                ])
                let created = SeriesInfo(
                    id: db.lastInsertedRowID, key: point.series, kind: point.kind,
                    temporality: point.temporality, unit: point.unit)
                newSeries.append(created)
                info = created
            }
            guard let info else { continue }
            resolved[point.series] = info
            switch point.kind {
            case .counter, .gauge:
                samplesBySeries[info.id, default: []].append(point.sample)
            case .distribution:
                let bucket = Resolution.tenSeconds.bucketStart(point.sample.timeMs)
                distributions[info.id, default: [:]][bucket, default: QuantileSketch()].add(point.sample.value)
            }
            outcome.stored += 1
        }
        let updatedChunks = try writeSamples(db, samplesBySeries)
        try writeDistributions(db, distributions)
        state.withLock { state in
            for info in newSeries { state.insert(info) }
            for (seriesID, chunk) in updatedChunks { state.openChunks[seriesID] = chunk }
        }
        return outcome
    }

    private func writeSamples(_ db: Database, _ samplesBySeries: [Int64: [Sample]]) throws -> [Int64: OpenChunk] {
        guard !samplesBySeries.isEmpty else { return [:] }
        let open = state.withLock { state in samplesBySeries.keys.reduce(into: [Int64: OpenChunk]()) { $0[$1] = state.openChunks[$1] } }
        let insert = try db.cachedStatement(
            sql: "INSERT INTO sample_chunks (series_id, min_time, max_time, count, data) VALUES (?, ?, ?, ?, ?)")
        let update = try db.cachedStatement(
            sql: "UPDATE sample_chunks SET max_time = ?, count = ?, data = ? WHERE id = ?")
        func persist(_ chunk: inout OpenChunk, seriesID: Int64) throws {
            let encoder = chunk.encoder
            if let rowID = chunk.rowID {
                try update.execute(arguments: [encoder.lastTime, encoder.count, Data(encoder.bytes), rowID])
            } else {
                try insert.execute(arguments: [seriesID, encoder.firstTime, encoder.lastTime, encoder.count, Data(encoder.bytes)])
                chunk.rowID = db.lastInsertedRowID
            }
        }
        var result: [Int64: OpenChunk] = [:]
        for (seriesID, unsorted) in samplesBySeries {
            // Sorting keeps a batch that arrives slightly out of order inside one chunk.
            let samples = unsorted.count > 1 ? unsorted.sorted { $0.timeMs < $1.timeMs } : unsorted
            var chunk = open[seriesID] ?? nil
            for sample in samples {
                if var current = chunk, current.encoder.canAppend(sample), current.encoder.count < configuration.maxSamplesPerChunk {
                    current.encoder.append(sample)
                    chunk = current
                    continue
                }
                if var full = chunk, full.encoder.count > 0 {
                    try persist(&full, seriesID: seriesID)
                }
                let minimumScale = chunk?.encoder.encoding == .scaledInteger ? chunk!.encoder.scaleExponent : 0
                var encoder = SampleChunkEncoder(firstValue: sample.value, minimumScale: minimumScale)
                encoder.append(sample)
                chunk = OpenChunk(rowID: nil, encoder: encoder)
            }
            if var chunk {
                try persist(&chunk, seriesID: seriesID)
                result[seriesID] = chunk
            }
        }
        return result
    }

    private func writeDistributions(_ db: Database, _ distributions: [Int64: [Int64: QuantileSketch]]) throws {
        guard !distributions.isEmpty else { return }
        for resolution in Resolution.allCases {
            let table = EmbeddedSchema.table(resolution)
            let select = try db.cachedStatement(sql: "SELECT sketch FROM \(table) WHERE series_id = ? AND bucket = ?")
            let upsert = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO \(table) (series_id, bucket, count, sum, min, max, sketch) VALUES (?, ?, ?, ?, ?, ?, ?)")
            for (seriesID, buckets) in distributions {
                var merged: [Int64: QuantileSketch] = [:]
                for (start, sketch) in buckets {
                    merged[resolution.bucketStart(start), default: QuantileSketch()].merge(sketch)
                }
                for (bucket, incoming) in merged {
                    var sketch = incoming
                    if let existing = try Data.fetchOne(select, arguments: [seriesID, bucket]) {
                        var stored = try QuantileSketch(encoded: [UInt8](existing))
                        stored.merge(incoming)
                        sketch = stored
                    }
                    try upsert.execute(arguments: [
                        seriesID, bucket, Int64(sketch.count), sketch.sum, sketch.min, sketch.max, Data(sketch.encoded()),
                    ])
                }
            }
        }
    }

    static func json(_ labels: Labels) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(labels.dictionary)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
