import PerfwatchModel
import Synchronization

/// The series a page view writes, built once per (page, device, release) and reused.
///
/// A page-view beacon yields about thirty points; building their label sets and hashing their
/// keys anew for every beacon was the largest share of deriving one (profile, 2026-11-23).
/// Pages, devices and releases repeat, so the built series do too.
struct RUMSeriesTemplate: Sendable {
    let pageViews: PointBatch.Series
    /// Per vital (`RUMBeacon.vitalNames` order): its distribution, and its ratings counter by rating.
    let vitals: [String: (value: PointBatch.Series, ratings: [String: PointBatch.Series])]
    let totalBlockingTime: PointBatch.Series
    let navigation: [String: PointBatch.Series]
    let resourceBytes: [String: PointBatch.Series]
    let resourceCount: [String: PointBatch.Series]

    static let ratings = ["good", "needs-improvement", "poor"]

    init(base: Labels) {
        func series(_ metric: String, _ kind: MetricKind, unit: String = "", _ extra: [(String, String)] = []) -> PointBatch.Series {
            let labels = extra.reduce(base) { $0.adding($1.0, $1.1) }
            // Counters are increments (deltas), as for every beacon metric.
            return PointBatch.Series(key: SeriesKey(metric: metric, labels: labels), kind: kind, temporality: .delta, unit: unit)
        }
        pageViews = series("rum.page_views", .counter)
        var vitals: [String: (value: PointBatch.Series, ratings: [String: PointBatch.Series])] = [:]
        for vital in RUMBeacon.vitalNames {
            var byRating: [String: PointBatch.Series] = [:]
            for rating in Self.ratings {
                byRating[rating] = series("rum.vital.ratings", .counter, [("vital", vital), ("rating", rating)])
            }
            vitals[vital] = (series("rum.\(vital)", .distribution, unit: vital == "cls" ? "" : "ms"), byRating)
        }
        self.vitals = vitals
        totalBlockingTime = series("rum.tbt", .distribution, unit: "ms")
        navigation = Dictionary(uniqueKeysWithValues: RUMBeacon.navigationPhases.map {
            ($0, series("rum.nav.duration", .distribution, unit: "ms", [("phase", $0)]))
        })
        resourceBytes = Dictionary(uniqueKeysWithValues: RUMBeacon.resourceTypes.map {
            ($0, series("rum.resource.bytes", .distribution, unit: "bytes", [("type", $0)]))
        })
        resourceCount = Dictionary(uniqueKeysWithValues: RUMBeacon.resourceTypes.map {
            ($0, series("rum.resource.count", .distribution, [("type", $0)]))
        })
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
