import PerfwatchModel
import Synchronization

/// The series a page view writes, built once per (page, device, release) and reused.
///
/// A page-view beacon yields about thirty points; building their label sets and hashing their
/// keys anew for every beacon was the largest share of deriving one (profile, 2026-11-23).
/// Pages, devices and releases repeat, so the built series do too.
struct RUMSeriesTemplate: Sendable {
    /// Every series a page view can write, by slot (below): derivation indexes an array
    /// instead of hashing names in dictionaries (another profile, same day).
    let series: [PointBatch.Series]

    static let pageViews = 0
    /// A vital's distribution (`RUMBeacon.vitalNames` position `v`); its ratings counters follow it.
    static func vital(_ v: Int) -> Int { 1 + v * 4 }
    static func rating(_ v: Int, _ rating: Int) -> Int { 2 + v * 4 + rating }
    static let totalBlockingTime = 1 + RUMBeacon.vitalNames.count * 4
    static func navigation(_ phase: Int) -> Int { totalBlockingTime + 1 + phase }
    static func resourceBytes(_ type: Int) -> Int { navigation(RUMBeacon.navigationPhases.count) + type }
    static func resourceCount(_ type: Int) -> Int { resourceBytes(RUMBeacon.resourceTypes.count) + type }
    static let slotCount = resourceCount(RUMBeacon.resourceTypes.count)

    init(base: Labels) {
        func series(_ metric: String, _ kind: MetricKind, unit: String = "", _ extra: [(String, String)] = []) -> PointBatch.Series {
            let labels = extra.reduce(base) { $0.adding($1.0, $1.1) }
            // Counters are increments (deltas), as for every beacon metric.
            return PointBatch.Series(key: SeriesKey(metric: metric, labels: labels), kind: kind, temporality: .delta, unit: unit)
        }
        var all: [PointBatch.Series] = []
        all.reserveCapacity(Self.slotCount)
        all.append(series("rum.page_views", .counter))
        for vital in RUMBeacon.vitalNames {
            all.append(series("rum.\(vital)", .distribution, unit: vital == "cls" ? "" : "ms"))
            for rating in WebVitals.ratings { all.append(series("rum.vital.ratings", .counter, [("vital", vital), ("rating", rating)])) }
        }
        all.append(series("rum.tbt", .distribution, unit: "ms"))
        for phase in RUMBeacon.navigationPhases { all.append(series("rum.nav.duration", .distribution, unit: "ms", [("phase", phase)])) }
        for type in RUMBeacon.resourceTypes { all.append(series("rum.resource.bytes", .distribution, unit: "bytes", [("type", type)])) }
        for type in RUMBeacon.resourceTypes { all.append(series("rum.resource.count", .distribution, [("type", type)])) }
        assert(all.count == Self.slotCount)
        self.series = all
    }
}

/// Templates by (page, device, release), bounded: past `maxEntries` it starts over, so a
/// flood of distinct pages costs building them again, never unbounded memory.
final class RUMSeriesTemplates: Sendable {
    struct Key: Hashable, Sendable {
        var page: String
        var device: String
        var release: String
    }

    static let shared = RUMSeriesTemplates()
    static let maxEntries = 20_000

    private let templates = Mutex<[Key: RUMSeriesTemplate]>([:])

    func template(page: String, device: String, release: String, base: @autoclosure () -> Labels) -> RUMSeriesTemplate {
        let key = Key(page: page, device: device, release: release)
        if let found = templates.withLock({ $0[key] }) { return found }
        let built = RUMSeriesTemplate(base: base())
        templates.withLock { all in
            if all.count >= Self.maxEntries { all.removeAll(keepingCapacity: true) }
            all[key] = built
        }
        return built
    }
}
