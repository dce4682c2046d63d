import PerfwatchModel
import PerfwatchSketch
public import PerfwatchStorage

/// Answers `MetricQuery`s through the Storage API only.
public struct QueryEngine: Sendable {
    public struct Configuration: Sendable {
        /// Most series one query may return (more → 422, so one query cannot exhaust memory).
        public var maxSeries: Int
        /// Most windows (steps) per series.
        public var maxPointsPerSeries: Int

        public init(maxSeries: Int = 1000, maxPointsPerSeries: Int = 11_000) {
            self.maxSeries = maxSeries
            self.maxPointsPerSeries = maxPointsPerSeries
        }
    }

    let store: any MetricStore
    let configuration: Configuration

    public init(store: any MetricStore, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
    }

    /// The series of `metric` matching `filters`, with everything acknowledged visible: metrics
    /// still held back by the store (span- and beacon-derived) are written first.
    public func series(of metric: String, filters: [TagFilter] = []) async throws -> [SeriesInfo] {
        try await store.flushDeferred()
        return store.series(metric: metric).filter { info in filters.allSatisfy { $0.matches(info.key.labels) } }
    }

    public func execute(_ query: MetricQuery, nowMs: Int64) async throws -> QueryResult {
        try await execute(query, stats: [query.stat], nowMs: nowMs)[0]
    }

    /// Several statistics of one query from a single read of the data (a table's columns:
    /// count, p50, p95, p99 …). One result per stat, in order; `query.stat` is ignored.
    public func execute(_ query: MetricQuery, stats: [Stat], nowMs: Int64) async throws -> [QueryResult] {
        precondition(!stats.isEmpty, "at least one stat")
        guard query.from <= query.to else {
            throw PerfwatchError(.badRequest, "from (\(query.from)) is after to (\(query.to))")
        }
        if let step = query.step {
            guard step > 0 else { throw PerfwatchError(.badRequest, "step must be positive") }
            let windows = (query.to - query.from) / step + 1
            guard windows <= Int64(configuration.maxPointsPerSeries) else {
                throw PerfwatchError(
                    .badRequest,
                    "step \(step) ms gives \(windows) points per series, more than \(configuration.maxPointsPerSeries); use a larger step")
            }
        }
        let matching = try await series(of: query.metric, filters: query.filters)
        var groups: [Labels: [SeriesInfo]] = [:]
        for info in matching { groups[info.key.labels.projected(onto: query.groupBy), default: []].append(info) }
        guard groups.count <= configuration.maxSeries else {
            throw PerfwatchError(
                .unprocessable,
                "query would return \(groups.count) series, more than the limit of \(configuration.maxSeries); add a where filter or group by fewer tags")
        }
        guard let first = matching.first else {
            return stats.map { stat in
                var result = QueryResult(query: query, source: "none", kind: nil, unit: "", series: [])
                result.query.stat = stat
                return result
            }
        }
        let windows = WindowLayout(from: query.from, to: query.to, step: query.step)
        switch first.kind {
        case .distribution:
            return try await DistributionEvaluator(store: store, query: query, windows: windows)
                .evaluate(groups: groups, stats: stats, nowMs: nowMs, unit: first.unit)
        case .counter, .gauge:
            return try await SampleEvaluator(store: store, query: query, windows: windows)
                .evaluate(groups: groups, stats: stats, kind: first.kind, unit: first.unit)
        }
    }

    /// Turns per-group window aggregates into one result per stat. Groups come out in the
    /// canonical order of their labels, so responses are stable.
    static func results<Window>(
        query: MetricQuery, stats: [Stat], groups: [(labels: Labels, windows: [Window])], layout: WindowLayout,
        source: String, kind: MetricKind, unit: String, value: (Window, Stat, Double) -> Double?
    ) -> [QueryResult] {
        // Each group's canonical text once: built inside the comparator it was rebuilt at every
        // comparison (7% of the server's CPU in a profile of a wide group-by during ingest).
        let ordered = groups.map { (key: $0.labels.canonical, group: $0) }.sorted { $0.key < $1.key }.map(\.group)
        return stats.map { stat in
            var statQuery = query
            statQuery.stat = stat
            let series = ordered.map { group in
                var points: [(time: Int64, value: Double)] = []
                for (index, window) in group.windows.enumerated() {
                    if let result = value(window, stat, layout.seconds(index)) { points.append((layout.start(index), result)) }
                }
                return ResultSeries(tags: group.labels.dictionary, points: points)
            }
            return QueryResult(query: statQuery, source: source, kind: kind, unit: unit, series: series)
        }
    }
}

/// Maps timestamps to output windows: aligned `step` windows, or one window for the range.
struct WindowLayout {
    let from: Int64
    let to: Int64
    let step: Int64?
    let firstStart: Int64
    let count: Int

    init(from: Int64, to: Int64, step: Int64?) {
        self.from = from
        self.to = to
        self.step = step
        if let step {
            firstStart = Self.floor(from, step)
            count = Int((Self.floor(to, step) - firstStart) / step) + 1
        } else {
            firstStart = from
            count = 1
        }
    }

    static func floor(_ value: Int64, _ step: Int64) -> Int64 {
        let floored = value / step * step
        return floored > value ? floored - step : floored
    }

    func index(of time: Int64) -> Int? {
        guard time >= from, time <= to else { return nil }
        guard let step else { return 0 }
        let index = Int((time - firstStart) / step)
        return index < count ? index : nil
    }

    func start(_ index: Int) -> Int64 { step.map { firstStart + Int64(index) * $0 } ?? from }

    /// Seconds the window covers, clipped to the query range (for rates).
    func seconds(_ index: Int) -> Double {
        // A range reads as its length, as in PromQL: from=T, to=T+5m is 300 s.
        guard let step else { return Double(Swift.max(to - from, 1)) / 1000 }
        let start = Swift.max(self.start(index), from)
        let end = Swift.min(self.start(index) + step, to + 1)
        return Double(Swift.max(end - start, 1)) / 1000
    }
}
