import PerfwatchModel
import PerfwatchSketch
import PerfwatchStorage

/// Statistics over distribution buckets: every answer is a merge of stored sketches or exact sums.
struct DistributionEvaluator {
    let store: any MetricStore
    let query: MetricQuery
    let windows: WindowLayout

    /// The coarsest resolution whose buckets fit the step (or a twentieth of the range without
    /// one) and that still holds data as old as `from`.
    static func resolution(for query: MetricQuery, retention: RetentionPolicy, nowMs: Int64) -> Resolution {
        let span = query.step ?? Swift.max((query.to - query.from) / 20, 1)
        var chosen = Resolution.tenSeconds
        for resolution in Resolution.allCases where resolution.bucketMs <= span {
            if let step = query.step, step % resolution.bucketMs != 0 { continue }
            chosen = resolution
        }
        // Fall back to a coarser resolution when the finer one has already expired for `from`.
        while query.from < nowMs - retention.keep(chosen), let coarser = chosen.coarser {
            chosen = coarser
        }
        return chosen
    }

    func evaluate(groups: [Labels: [SeriesInfo]], stats: [Stat], nowMs: Int64, unit: String) async throws -> [QueryResult] {
        if stats.contains(.last) {
            throw PerfwatchError(.badRequest, "stat 'last' applies to gauges; \(query.metric) is a distribution (use avg, max or a percentile)")
        }
        let resolution = Self.resolution(for: query, retention: store.retention, nowMs: nowMs)
        let needsSketch = stats.contains { if case .percentile = $0 { true } else { false } }
        let ids = groups.values.flatMap { $0.map(\.id) }
        let buckets = try await store.readDistributions(
            seriesIDs: ids, from: resolution.bucketStart(query.from), to: query.to, resolution: resolution,
            withSketches: needsSketch)
        var aggregated: [(labels: Labels, windows: [Accumulator?])] = []
        for (labels, members) in groups {
            var accumulators = [Accumulator?](repeating: nil, count: windows.count)
            for member in members {
                guard let memberBuckets = buckets[member.id] else { continue }
                for position in memberBuckets.indices {
                    // A bucket that starts before `from` but overlaps it belongs to the first window.
                    let time = Swift.max(memberBuckets[position].start, query.from)
                    guard let index = windows.index(of: time) else { continue }
                    if accumulators[index] == nil {
                        accumulators[index] = Accumulator(memberBuckets[position])
                    } else {
                        accumulators[index]!.add(memberBuckets[position])
                    }
                }
            }
            aggregated.append((labels, accumulators))
        }
        return QueryEngine.results(
            query: query, stats: stats, groups: aggregated, layout: windows, source: resolution.rawValue, kind: .distribution,
            unit: unit
        ) { accumulator, stat, seconds in
            guard let accumulator else {
                // No data in the window: counts and rates are zero, other stats have no value.
                return stat == .count || stat == .rate || stat == .sum ? 0 : nil
            }
            return accumulator.value(stat, seconds: seconds)
        }
    }

    struct Accumulator {
        var count: UInt64 = 0
        var sum = 0.0
        var min = Double.infinity
        var max = -Double.infinity
        var sketch: QuantileSketch?

        init() {}

        /// Starts from one bucket, sharing its sketch storage instead of merging into an empty one.
        init(_ bucket: DistributionBucket) {
            count = bucket.count
            sum = bucket.sum
            min = bucket.min
            max = bucket.max
            sketch = bucket.sketch
        }

        mutating func add(_ bucket: DistributionBucket) {
            count = count.saturatingAdding(bucket.count)
            sum += bucket.sum
            min = Swift.min(min, bucket.min)
            max = Swift.max(max, bucket.max)
            if let incoming = bucket.sketch {
                if sketch == nil { sketch = incoming } else { sketch!.merge(incoming) }
            }
        }

        func value(_ stat: Stat, seconds: Double) -> Double? {
            switch stat {
            case .count: Double(count)
            case .sum: sum
            case .avg: count > 0 ? sum / Double(count) : nil
            case .min: count > 0 ? min : nil
            case .max: count > 0 ? max : nil
            case .rate: Double(count) / seconds
            case .last: nil
            case .percentile(let q): sketch?.quantile(q)
            }
        }
    }
}
