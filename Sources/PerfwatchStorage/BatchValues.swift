public import PerfwatchModel
public import PerfwatchSketch

/// A batch's values as every backend stores them: counter and gauge samples per series id, and
/// distribution values (single values and pre-aggregated sketches) folded into one sketch per
/// series and 10 s bucket; with the outcome's kind conflicts and refused sketches. Shared so
/// that every `MetricStore` refuses and counts the same points the same way.
public struct BatchValues: Sendable {
    public var samples: [Int64: [Sample]] = [:]
    /// series id → 10 s bucket start → sketch
    public var distributions: [Int64: [Int64: QuantileSketch]] = [:]
    public var outcome = AppendOutcome()

    /// `resolvedIDs[i]` is the store's id for `batch.series[i]`, nil when the series is refused
    /// (its metric has another kind): its points are reported in `outcome.kindConflicts`.
    public init(_ batch: PointBatch, resolvedIDs: [Int64?]) throws {
        for (position, entry) in batch.entries.enumerated() {
            guard let id = resolvedIDs[Int(entry.series)] else {
                outcome.kindConflicts.append(position)
                continue
            }
            switch batch.series[Int(entry.series)].kind {
            case .counter, .gauge:
                samples[id, default: []].append(entry.sample)
            case .distribution:
                let bucket = Resolution.tenSeconds.bucketStart(entry.sample.timeMs)
                distributions[id, default: [:]][bucket, default: QuantileSketch()].add(entry.sample.value)
            }
            outcome.stored += 1
        }
        for entry in batch.sketchEntries {
            guard let id = resolvedIDs[Int(entry.series)], batch.series[Int(entry.series)].kind == .distribution else {
                outcome.rejectedSketches += 1
                continue
            }
            let sketch = try QuantileSketch(encoded: entry.sketch)
            let bucket = Resolution.tenSeconds.bucketStart(entry.timeMs)
            distributions[id, default: [:]][bucket, default: QuantileSketch()].merge(sketch)
            outcome.stored += 1
        }
    }
}
