import PerfwatchModel
import PerfwatchPromQL
import PerfwatchStorage

/// The store as PromQL reads it (`PromSeriesSource`) and lists it (`PromSeriesCatalog`).
///
/// Series are visible under their Prometheus names (`PrometheusNaming`); an equality matcher on `__name__` also
/// accepts the stored name. Counters stored as deltas (JSON API, OTLP delta sums) become running sums so `rate`
/// works; distributions become classic `_bucket`/`_sum`/`_count` series over their sketches (`SketchBucketSeries`).
struct StorePromSeriesSource: PromSeriesSource, PromSeriesCatalog {
    let store: any MetricStore
    let cache: ExposedSeriesCache
    let grid: SketchBucketGrid
    /// The clock for choosing a distribution resolution that is still retained.
    let nowMs: @Sendable () -> Int64

    init(
        store: any MetricStore, cache: ExposedSeriesCache = ExposedSeriesCache(), grid: SketchBucketGrid = SketchBucketSeries.defaultGrid,
        nowMs: @escaping @Sendable () -> Int64 = { TimeParsing.nowMs() }
    ) {
        self.store = store
        self.cache = cache
        self.grid = grid
        self.nowMs = nowMs
    }

    /// Every exposed series family matching all `matchers` (`le` left to the bucket bounds). The whole catalog is
    /// looked at: a name may be exposed by series stored under other names (`orders` → `orders_total`).
    func candidates(_ matchers: [LabelMatcher]) -> [ExposedSeries] {
        cache.families(store.allSeries()).filter { $0.matches(matchers) }
    }

    func select(_ matchers: [LabelMatcher], fromMs: Int64, toMs: Int64) async throws -> [PromSeries] {
        try await store.flushDeferred()
        let found = candidates(matchers)
        guard !found.isEmpty else { return [] }
        var out: [PromSeries] = []
        let plain = found.filter { $0.family == .plain }
        if !plain.isEmpty {
            let samples = try await store.readSamples(seriesIDs: plain.map(\.info.id), from: fromMs, to: toMs)
            for series in plain {
                let points = Self.promSamples(samples[series.info.id] ?? [], runningSum: series.info.kind == .counter && series.info.temporality == .delta)
                if !points.isEmpty { out.append(PromSeries(labels: series.labels, samples: points)) }
            }
        }
        let distributions = found.filter { $0.family != .plain }
        if !distributions.isEmpty {
            out += try await distributionSeries(distributions, matchers: matchers, fromMs: fromMs, toMs: toMs)
        }
        return out
    }

    private func distributionSeries(
        _ families: [ExposedSeries], matchers: [LabelMatcher], fromMs: Int64, toMs: Int64
    ) async throws -> [PromSeries] {
        let ids = Array(Set(families.map(\.info.id)))
        let resolution = Self.resolution(fromMs: fromMs, toMs: toMs, nowMs: nowMs(), retention: store.retention)
        let withSketches = families.contains { $0.family == .bucket }
        // One bucket before the window too: its end (where its sample sits) may lie inside it.
        let stored = try await store.readDistributions(
            seriesIDs: ids, from: resolution.bucketStart(fromMs) - resolution.bucketMs, to: toMs, resolution: resolution,
            withSketches: withSketches)
        let exposer = SketchBucketSeries(grid: grid, resolutionMs: resolution.bucketMs)
        let bounds = matchers.boundMatchers
        func windowed(_ samples: [PromSample]) -> [PromSample] {
            samples.filter { $0.timestampMs >= fromMs && $0.timestampMs <= toMs }
        }
        // Shared bounds per metric: `sum by (le)` over its series must add the same bounds.
        var boundsByMetric: [String: [Double]] = [:]
        for family in families where family.family == .bucket && boundsByMetric[family.name] == nil {
            let sameMetric = families.filter { $0.family == .bucket && $0.name == family.name }
            boundsByMetric[family.name] = exposer.bounds(sameMetric.map { stored[$0.info.id] ?? [] })
        }
        var out: [PromSeries] = []
        for family in families {
            let buckets = stored[family.info.id] ?? []
            guard !buckets.isEmpty else { continue }
            switch family.family {
            case .count: out.append(PromSeries(labels: family.labels, samples: windowed(exposer.count(buckets))))
            case .sum: out.append(PromSeries(labels: family.labels, samples: windowed(exposer.sum(buckets))))
            case .bucket:
                for (le, samples) in exposer.buckets(buckets, bounds: boundsByMetric[family.name] ?? []) {
                    let labels = family.bucketLabels(le: le)
                    if bounds.allSatisfy({ $0.matches(labels) }) { out.append(PromSeries(labels: labels, samples: windowed(samples))) }
                }
            case .plain: break
            }
        }
        return out.filter { !$0.samples.isEmpty }
    }

    /// Stored samples as PromQL samples: one per timestamp (the last for totals and gauges, the sum for deltas),
    /// deltas turned into a running sum.
    static func promSamples(_ samples: [Sample], runningSum: Bool) -> [PromSample] {
        var out: [PromSample] = []
        out.reserveCapacity(samples.count)
        var total = 0.0
        for sample in samples {
            let value: Double
            if runningSum {
                total += sample.value
                value = total
            } else {
                value = sample.value
            }
            if let last = out.last, last.timestampMs == sample.timeMs {
                out[out.count - 1].value = value
            } else {
                out.append(PromSample(timestampMs: sample.timeMs, value: value))
            }
        }
        return out
    }

    /// The finest resolution still retained at `fromMs` that keeps the window to a sensible number of buckets:
    /// 10 s up to 6 h, 1 m up to 7 days, else 1 h.
    static func resolution(fromMs: Int64, toMs: Int64, nowMs: Int64, retention: RetentionPolicy) -> Resolution {
        let span = toMs - fromMs
        if fromMs >= nowMs - retention.keep(.tenSeconds), span <= 6 * 3_600_000 { return .tenSeconds }
        if fromMs >= nowMs - retention.keep(.oneMinute), span <= 7 * 86_400_000 { return .oneMinute }
        return .oneHour
    }

    // MARK: PromSeriesCatalog

    func labelSets(matching: [[LabelMatcher]], fromMs: Int64, toMs: Int64) async throws -> [PerfwatchPromQL.Labels] {
        try await store.flushDeferred()
        let all = cache.families(store.allSeries())
        var out: [PerfwatchPromQL.Labels] = []
        for series in all {
            // The catalog does not read sketches: a bucket family is listed by its `+Inf` series.
            let labels = series.family == .bucket ? series.bucketLabels(le: "+Inf") : series.labels
            if matching.isEmpty || matching.contains(where: { set in series.matches(set) && set.boundMatchers.allSatisfy { $0.matches(labels) } }) {
                out.append(labels)
            }
        }
        return out
    }

    func metadata() async throws -> [String: PromMetricMetadata] {
        var out: [String: PromMetricMetadata] = [:]
        for info in store.allSeries() {
            let name = PrometheusNaming.exposedName(info)
            let type: String
            switch info.kind {
            case .counter: type = "counter"
            case .gauge: type = "gauge"
            case .distribution: type = "histogram"
            }
            out[name] = PromMetricMetadata(type: type, help: "", unit: info.unit)
        }
        return out
    }
}
