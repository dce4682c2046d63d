public import PerfwatchModel
public import PerfwatchSketch

/// Resolutions at which distributions are kept. Queries pick the coarsest one that fits.
public enum Resolution: String, Sendable, CaseIterable, Codable {
    case tenSeconds = "10s"
    case oneMinute = "1m"
    case oneHour = "1h"

    public var bucketMs: Int64 {
        switch self {
        case .tenSeconds: 10_000
        case .oneMinute: 60_000
        case .oneHour: 3_600_000
        }
    }

    public func bucketStart(_ timeMs: Int64) -> Int64 {
        let floored = timeMs / bucketMs * bucketMs
        return floored > timeMs ? floored - bucketMs : floored
    }

    /// The next resolution kept longer, if any.
    public var coarser: Resolution? {
        switch self {
        case .tenSeconds: .oneMinute
        case .oneMinute: .oneHour
        case .oneHour: nil
        }
    }
}

/// What the store knows about one series.
public struct SeriesInfo: Sendable, Hashable {
    public var id: Int64
    public var key: SeriesKey
    public var kind: MetricKind
    public var temporality: Temporality
    public var unit: String

    public init(id: Int64, key: SeriesKey, kind: MetricKind, temporality: Temporality, unit: String) {
        self.id = id
        self.key = key
        self.kind = kind
        self.temporality = temporality
        self.unit = unit
    }
}

/// One stored distribution bucket: exact count/sum/min/max plus the sketch when requested.
public struct DistributionBucket: Sendable {
    public var start: Int64
    public var count: UInt64
    public var sum: Double
    public var min: Double
    public var max: Double
    public var sketch: QuantileSketch?

    public init(start: Int64, count: UInt64, sum: Double, min: Double, max: Double, sketch: QuantileSketch?) {
        self.start = start
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.sketch = sketch
    }
}

/// Outcome of appending one group-committed batch.
public struct AppendOutcome: Sendable {
    /// Indexes (into the appended array) of points refused because the metric already has another kind.
    public var kindConflicts: [Int] = []
    /// Pre-aggregated sketches refused for a kind conflict.
    public var rejectedSketches = 0
    public var stored: Int = 0

    public init() {}
}

/// Rows removed by one retention pass.
public struct RetentionReport: Sendable {
    public var deletedChunks = 0
    public var deletedBuckets = 0
    public var deletedSpans = 0
    public var deletedRUMRecords = 0

    public init() {}
}

/// How long each resolution is kept.
public struct RetentionPolicy: Sendable, Equatable {
    /// Counter/gauge samples and 10 s distribution buckets.
    public var rawMs: Int64 = 2 * 86_400_000
    public var minuteMs: Int64 = 30 * 86_400_000
    public var hourMs: Int64 = 400 * 86_400_000
    /// Raw spans.
    public var spansMs: Int64 = 7 * 86_400_000
    /// Raw browser page views, errors and journeys (their metrics follow the resolutions).
    public var rumMs: Int64 = 30 * 86_400_000

    public init() {}

    public func keep(_ resolution: Resolution) -> Int64 {
        switch resolution {
        case .tenSeconds: rawMs
        case .oneMinute: minuteMs
        case .oneHour: hourMs
        }
    }
}

/// The Storage API: everything above storage (query, alerting, analysis) sees only this.
public protocol MetricStore: Sendable {
    /// Durably stores `payload` in one transaction; returns only once it is on disk. With
    /// `deferDerived`, the payload's span-derived metrics may be held back and written with a
    /// later commit (the spans themselves are durable, and the metrics are derived again from
    /// them after a crash); `flushDeferred` or any non-deferring append writes them.
    func append(_ payload: IngestPayload, deferDerived: Bool) async throws -> AppendOutcome
    /// Writes span-derived metrics held back by deferring appends. Readers call it first, so
    /// everything acknowledged is visible to queries.
    func flushDeferred() async throws
    /// All known series (served from memory).
    func allSeries() -> [SeriesInfo]
    /// Series of one metric.
    func series(metric: String) -> [SeriesInfo]
    /// Counter/gauge samples in `[from, to]`, per series id, sorted by time.
    func readSamples(seriesIDs: [Int64], from: Int64, to: Int64) async throws -> [Int64: [Sample]]
    /// Distribution buckets whose start lies in `[from, to]`, per series id, sorted by start.
    func readDistributions(
        seriesIDs: [Int64], from: Int64, to: Int64, resolution: Resolution, withSketches: Bool
    ) async throws -> [Int64: [DistributionBucket]]
    /// Deletes data older than the retention policy.
    func applyRetention(nowMs: Int64) async throws -> RetentionReport
    /// Bytes the store occupies on disk.
    func storageBytes() -> Int64
    var retention: RetentionPolicy { get }
}

extension MetricStore {
    public func append(_ payload: IngestPayload) async throws -> AppendOutcome {
        try await append(payload, deferDerived: false)
    }

    public func append(_ batch: PointBatch) async throws -> AppendOutcome {
        try await append(IngestPayload(points: batch))
    }

    /// Convenience for tests and small writers.
    public func append(_ points: [MetricPoint]) async throws -> AppendOutcome {
        try await append(PointBatch(points))
    }
}
