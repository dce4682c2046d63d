public import PerfwatchModel

/// Where a route's time goes, from a sample of its traces: each trace's critical path summed
/// by category (database, http, cache, self), averaged over the traces; plus the operations
/// that take the most time on those paths.
public struct BottleneckBreakdown: Sendable {
    public struct Share: Sendable, Equatable {
        public var category: SpanCategory
        /// Mean ms per trace on the critical path.
        public var ms: Double
        /// Of the mean trace duration (0–1).
        public var share: Double
    }

    public struct Operation: Sendable, Equatable {
        public var name: String
        public var category: SpanCategory
        /// Mean ms per trace on the critical path.
        public var ms: Double
    }

    public var traces: Int
    /// Mean entry-span duration of the sampled traces.
    public var meanMs: Double
    /// Every category, largest first.
    public var shares: [Share]
    /// Up to five operations with the most critical-path time, largest first.
    public var topOperations: [Operation]
    /// The slowest sampled trace's critical path.
    public var slowestTraceID: String
    public var slowestPath: [CriticalPath.Segment]

    public var dominant: Share? { shares.first }

    /// Nil when no trace of the sample has an entry span.
    public static func of(traces: [[Span]], route: String?) -> BottleneckBreakdown? {
        var totals: [SpanCategory: Double] = [:]
        var operations: [String: (category: SpanCategory, ms: Double)] = [:]
        var durations = 0.0
        var count = 0
        var slowest: (id: String, ms: Double, path: [CriticalPath.Segment])? = nil
        for spans in traces {
            guard let entry = CriticalPath.entry(of: spans, route: route) else { continue }
            let path = CriticalPath.of(spans, entry: entry)
            count += 1
            durations += entry.durationMs
            for segment in path {
                totals[segment.category, default: 0] += segment.ms
                // The application's own time is named after the entry span's work, not per span.
                let name = segment.category == .application ? "\(segment.service): own code" : segment.name
                operations[name, default: (segment.category, 0)].ms += segment.ms
            }
            if entry.durationMs > (slowest?.ms ?? -1) { slowest = (entry.traceID, entry.durationMs, path) }
        }
        guard count > 0, let slowest else { return nil }
        let mean = durations / Double(count)
        let shares = SpanCategory.allCases.map { category in
            let ms = (totals[category] ?? 0) / Double(count)
            return Share(category: category, ms: ms, share: mean > 0 ? ms / mean : 0)
        }.sorted { ($0.ms, $0.category.rawValue) > ($1.ms, $1.category.rawValue) }
        let top = operations.map { Operation(name: $0.key, category: $0.value.category, ms: $0.value.ms / Double(count)) }
            .sorted { ($0.ms, $0.name) > ($1.ms, $1.name) }.prefix(5)
        return BottleneckBreakdown(
            traces: count, meanMs: mean, shares: shares, topOperations: Array(top), slowestTraceID: slowest.id, slowestPath: slowest.path)
    }
}
