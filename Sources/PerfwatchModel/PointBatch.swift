/// Points to store, in columnar form: each distinct series once, then `(series index, sample)`
/// entries. Parsers, the pipeline and the store pass these around so that per-point work is
/// copying two numbers — series identities are hashed and resolved once per batch, not per point.
public struct PointBatch: Sendable {
    /// One distinct series of the batch and how its values are stored.
    public struct Series: Sendable, Equatable {
        public var key: SeriesKey
        public var kind: MetricKind
        public var temporality: Temporality
        public var unit: String

        public init(key: SeriesKey, kind: MetricKind, temporality: Temporality, unit: String) {
            self.key = key
            self.kind = kind
            self.temporality = temporality
            self.unit = unit
        }
    }

    public struct Entry: Sendable, Equatable {
        public var series: Int32
        public var sample: Sample
    }

    /// A distribution already aggregated by the sender (an OTLP histogram data point), as an
    /// encoded quantile sketch (docs/formats/quantile-sketch.md) with exact count/sum/min/max.
    public struct SketchEntry: Sendable, Equatable {
        public var series: Int32
        public var timeMs: Int64
        public var sketch: [UInt8]
    }

    public private(set) var series: [Series] = []
    public private(set) var entries: [Entry] = []
    public private(set) var sketchEntries: [SketchEntry] = []
    /// Dedupes series for `seriesIndex`. Series added without a lookup (`addSeries`, appended
    /// batches) are indexed lazily, on the next `seriesIndex`, so a batch built either way
    /// still merges with others by series.
    private var index: [SeriesKey: Int32] = [:]
    private var indexedCount = 0
    /// `appendDeduplicating`'s mapping per series array it has merged, by that array's storage:
    /// batches built on one shared array (`init(sharedSeries:)`) map their series once. The
    /// array is kept with its mapping, so its storage (the key) cannot be freed and reused.
    private var mappings: [UInt: (series: [Series], mapped: [Int32])] = [:]
    /// Built by `init(sharedSeries:)`: only such batches are worth remembering a mapping for.
    private var sharesSeries = false

    public init() {}

    /// A batch whose series are `series` as given (their storage shared, not copied); entries
    /// refer to them by position. Series without entries are fine: the store creates only the
    /// series a batch has values for.
    public init(sharedSeries series: [Series]) {
        self.series = series
        sharesSeries = true
    }

    public init(_ points: [MetricPoint]) {
        for point in points { append(point) }
    }

    /// Single values (sketch entries are counted apart, in `sketchEntries`).
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty && sketchEntries.isEmpty }

    public mutating func reserveCapacity(entries count: Int) { entries.reserveCapacity(count) }

    /// Adds a series without looking for an equal one (the caller dedupes) and returns its index.
    public mutating func addSeries(_ series: Series) -> Int32 {
        self.series.append(series)
        return Int32(self.series.count - 1)
    }

    public mutating func add(series: Int32, sample: Sample) {
        entries.append(Entry(series: series, sample: sample))
    }

    public mutating func add(series: Int32, timeMs: Int64, sketch: [UInt8]) {
        sketchEntries.append(SketchEntry(series: series, timeMs: timeMs, sketch: sketch))
    }

    /// The index of an equal series already in the batch, or a new one. A series whose key is
    /// already there with another kind is kept apart, so the store can refuse just its points.
    public mutating func seriesIndex(_ candidate: Series) -> Int32 {
        while indexedCount < series.count {
            let key = series[indexedCount].key
            if index[key] == nil { index[key] = Int32(indexedCount) }
            indexedCount += 1
        }
        if let existing = index[candidate.key], series[Int(existing)] == candidate { return existing }
        let added = addSeries(candidate)
        if index[candidate.key] == nil { index[candidate.key] = added }
        indexedCount = series.count
        return added
    }

    /// Adds one point, reusing its series if the batch already has an equal one.
    public mutating func append(_ point: MetricPoint) {
        let seriesIndex = seriesIndex(Series(key: point.series, kind: point.kind, temporality: point.temporality, unit: point.unit))
        add(series: seriesIndex, sample: point.sample)
    }

    /// Appends another batch's series and entries (its entry indexes shift by `count`).
    public mutating func append(contentsOf other: PointBatch) {
        let offset = Int32(series.count)
        series.append(contentsOf: other.series)
        reserveGrowing(other.entries.count)
        for entry in other.entries { entries.append(Entry(series: entry.series + offset, sample: entry.sample)) }
        for entry in other.sketchEntries {
            sketchEntries.append(SketchEntry(series: entry.series + offset, timeMs: entry.timeMs, sketch: entry.sketch))
        }
    }

    /// Room for `more` entries, at least doubling: merging many small batches one by one with
    /// exact reservations reallocated and copied everything each time (quadratic; it was a
    /// tenth of a beacon's cost in a profile).
    private mutating func reserveGrowing(_ more: Int) {
        let needed = entries.count + more
        if entries.capacity < needed { entries.reserveCapacity(Swift.max(needed, entries.capacity * 2)) }
    }

    /// Appends another batch's entries onto this batch's equal series (adding the others):
    /// many commits' or beacons' points become one batch with each series once.
    public mutating func appendDeduplicating(_ other: PointBatch) {
        let storage = other.sharesSeries ? other.series.withUnsafeBufferPointer { $0.baseAddress.map { UInt(bitPattern: $0) } } : nil
        var mapped: [Int32]
        if let storage, let known = mappings[storage], known.series.count == other.series.count {
            mapped = known.mapped
        } else {
            mapped = []
            mapped.reserveCapacity(other.series.count)
            for series in other.series { mapped.append(seriesIndex(series)) }
            if let storage { mappings[storage] = (other.series, mapped) }
        }
        reserveGrowing(other.entries.count)
        for entry in other.entries { add(series: mapped[Int(entry.series)], sample: entry.sample) }
        for entry in other.sketchEntries { add(series: mapped[Int(entry.series)], timeMs: entry.timeMs, sketch: entry.sketch) }
    }

    /// The entry as a self-contained point (for messages and tests).
    public func point(at position: Int) -> MetricPoint {
        let entry = entries[position]
        let info = series[Int(entry.series)]
        return MetricPoint(series: info.key, kind: info.kind, temporality: info.temporality, unit: info.unit, sample: entry.sample)
    }

    public var points: [MetricPoint] { entries.indices.map(point(at:)) }
}
