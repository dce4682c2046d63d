import PerfwatchModel

/// The labels a scraped series is stored with, as Prometheus attaches target labels: with
/// `honor_labels: false` the target's labels win and a scraped label they collide with is kept
/// as `exported_<name>` (again prefixed if that is taken too); with `honor_labels: true` the
/// scraped labels win and the target's are only added where missing.
enum ScrapeLabels {
    static func attach(_ target: [String: String], to scraped: Labels, honorLabels: Bool) -> Labels {
        var labels = scraped.dictionary
        for (name, value) in target {
            guard let existing = labels[name], !existing.isEmpty else {
                labels[name] = value
                continue
            }
            if honorLabels { continue }
            var exported = "exported_" + name
            while labels[exported] != nil { exported = "exported_" + exported }
            labels[exported] = existing
            labels[name] = value
        }
        return Labels(labels)
    }

    /// Every series of `batch` relabelled for `target`, samples unchanged.
    static func relabel(_ batch: PointBatch, for target: ScrapeTarget) -> PointBatch {
        var result = PointBatch()
        result.reserveCapacity(entries: batch.entries.count)
        let indexes = batch.series.map { series in
            var relabelled = series
            relabelled.key = SeriesKey(metric: series.key.metric, labels: attach(target.labels, to: series.key.labels, honorLabels: target.honorLabels))
            return result.addSeries(relabelled)
        }
        for entry in batch.entries { result.add(series: indexes[Int(entry.series)], sample: entry.sample) }
        return result
    }
}
