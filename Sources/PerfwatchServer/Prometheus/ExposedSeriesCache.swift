import PerfwatchStorage
import Synchronization

/// Each stored series' PromQL families (`ExposedSeries.all`), computed once per series id: naming and label
/// conversion are string work that every selection would otherwise repeat for the whole catalog. A series id
/// always names the same key, kind and unit, so entries never go stale; ids the store forgot stay until restart.
final class ExposedSeriesCache: Sendable {
    private let entries = Mutex<[Int64: [ExposedSeries]]>([:])

    init() {}

    func families(_ infos: [SeriesInfo]) -> [ExposedSeries] {
        entries.withLock { entries in
            var out: [ExposedSeries] = []
            out.reserveCapacity(infos.count)
            for info in infos {
                if let known = entries[info.id], known.first?.info == info {
                    out += known
                } else {
                    let computed = ExposedSeries.all(info)
                    entries[info.id] = computed
                    out += computed
                }
            }
            return out
        }
    }
}
