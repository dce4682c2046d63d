import PerfwatchSketch

/// Recently written distribution buckets, kept decoded, so the next merge into the same bucket
/// (this minute's and this hour's of every series, rewritten every few seconds under live
/// ingest) skips reading the row back and decoding it. Only the writer uses it, inside its
/// transaction; it is dropped whenever a transaction fails (the state is reloaded) or
/// retention deletes buckets, so it never holds what is not on disk.
struct HotSketchCache: Sendable {
    struct Key: Hashable, Sendable {
        var resolution: Resolution
        var seriesID: Int64
        var bucket: Int64
    }

    /// Bounds memory (a busy sketch is a few KB): past it, only the newest buckets stay.
    static let maxEntries = 16_384

    /// Minute and hour buckets are rewritten at every flush while live data arrives; a 10 s
    /// bucket is written once or twice, so caching it would only churn the cache.
    static func caches(_ resolution: Resolution) -> Bool { resolution != .tenSeconds }

    private var sketches: [Key: QuantileSketch] = [:]
    private var newestBucket: [Resolution: Int64] = [:]

    var count: Int { sketches.count }

    /// Merges `incoming` into the cached bucket in place and returns the result, or nil when
    /// the bucket is not cached.
    mutating func merge(_ incoming: QuantileSketch, into key: Key) -> QuantileSketch? {
        guard let index = sketches.index(forKey: key) else { return nil }
        sketches.values[index].merge(incoming)
        return sketches.values[index]
    }

    mutating func store(_ sketch: QuantileSketch, for key: Key) {
        sketches[key] = sketch
        newestBucket[key.resolution] = max(newestBucket[key.resolution] ?? key.bucket, key.bucket)
    }

    /// Keeps each resolution's two newest buckets (where live data lands) once over the bound;
    /// a backfill across a day would otherwise fill it with buckets never touched again.
    mutating func trim() {
        guard sketches.count > Self.maxEntries else { return }
        sketches = sketches.filter { key, _ in
            key.bucket >= (newestBucket[key.resolution] ?? .min) - key.resolution.bucketMs
        }
        if sketches.count > Self.maxEntries { sketches = [:] }
    }
}
