/// One value for a counter or gauge series.
public struct Sample: Sendable, Equatable {
    public var timeMs: Int64
    public var value: Double

    public init(timeMs: Int64, value: Double) {
        self.timeMs = timeMs
        self.value = value
    }
}

/// A normalized, validated point ready for storage, whatever protocol it came from.
public struct MetricPoint: Sendable, Equatable {
    public var series: SeriesKey
    public var kind: MetricKind
    public var temporality: Temporality
    public var unit: String
    public var sample: Sample

    public init(
        series: SeriesKey, kind: MetricKind, temporality: Temporality = .delta, unit: String = "",
        sample: Sample
    ) {
        self.series = series
        self.kind = kind
        self.temporality = temporality
        self.unit = unit
        self.sample = sample
    }
}

/// What a request parser hands to the pipeline: accepted points plus per-item rejections.
public struct IngestBatch: Sendable {
    public var points: PointBatch
    /// For each entry of `points`, the index of the item it came from in the request.
    public var sourceIndexes: [Int]
    public var rejections: [ItemRejection]

    public init(points: PointBatch = PointBatch(), sourceIndexes: [Int] = [], rejections: [ItemRejection] = []) {
        self.points = points
        self.sourceIndexes = sourceIndexes
        self.rejections = rejections
    }
}

/// A single refused item of a batch, reported back to the client (partial success).
public struct ItemRejection: Sendable, Equatable, Codable {
    public var index: Int
    public var reason: String
    public var error: String

    public init(index: Int, reason: String, error: String) {
        self.index = index
        self.reason = reason
        self.error = error
    }
}
