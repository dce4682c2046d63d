import PerfwatchAnalysis

/// `GET /api/v1/routes/bottlenecks`: where one route's time goes over its slowest traces.
/// Without a trace of the route, `meanMs` and `criticalPath` are null and the lists empty.
struct BottleneckReport: Encodable {
    struct Share: Encodable {
        let category: String
        let ms: Double
        /// A fraction of the mean, four decimals.
        let share: Double
    }

    struct Operation: Encodable {
        let name: String
        let category: String
        let ms: Double
    }

    struct Segment: Encodable {
        let spanId: String
        let service: String
        let name: String
        let category: String
        let ms: Double
    }

    /// The critical path of the slowest trace.
    struct Path: Encodable {
        let traceId: String
        let segments: [Segment]
    }

    struct Cache: Encodable {
        let hits: Int
        let misses: Int
        /// Null when no lookup was seen.
        let hitRatio: Double?
    }

    let route: String
    let service: String
    let from: Int64
    let to: Int64
    let traces: Int
    let meanMs: Double?
    let breakdown: [Share]
    let topOperations: [Operation]
    let criticalPath: Path?
    let cache: Cache

    init(route: String, service: String, from: Int64, to: Int64, traces: Int, breakdown: BottleneckBreakdown?, cache: CacheHitRatio) {
        self.route = route
        self.service = service
        self.from = from
        self.to = to
        self.traces = traces
        meanMs = breakdown?.meanMs.roundedToHundredths
        self.breakdown = (breakdown?.shares ?? []).map {
            Share(category: $0.category.rawValue, ms: $0.ms.roundedToHundredths, share: $0.share.roundedToTenThousandths)
        }
        topOperations = (breakdown?.topOperations ?? []).map {
            Operation(name: $0.name, category: $0.category.rawValue, ms: $0.ms.roundedToHundredths)
        }
        criticalPath = breakdown.map { breakdown in
            Path(
                traceId: breakdown.slowestTraceID,
                segments: breakdown.slowestPath.map {
                    Segment(spanId: $0.spanID, service: $0.service, name: $0.name, category: $0.category.rawValue, ms: $0.ms.roundedToHundredths)
                })
        }
        self.cache = Cache(hits: cache.hits, misses: cache.misses, hitRatio: cache.lookups > 0 ? cache.ratio.roundedToTenThousandths : nil)
    }
}
