import PerfwatchAlerting
import PerfwatchModel
import PerfwatchStorage

/// Recording rules' results into the store: each element a gauge sample named by the rule's `record` (already a
/// Prometheus name, so PromQL sees it unchanged), with the element's labels and the rule's. Values the store does
/// not keep (no value, NaN, ±Inf) are left out.
struct StoreRecordingSink: RecordingRuleSink {
    let store: any MetricStore

    func record(_ rule: RecordingRule, _ samples: [AlertSample], at timeMs: Int64) async throws {
        let points = samples.compactMap { sample -> MetricPoint? in
            guard let value = sample.value, value.isFinite else { return nil }
            let labels = sample.labels.merging(rule.labels) { _, ruleLabel in ruleLabel }
            return MetricPoint(
                series: SeriesKey(metric: rule.record, labels: Labels(labels)), kind: .gauge, temporality: .cumulative, unit: "",
                sample: Sample(timeMs: timeMs, value: value))
        }
        guard !points.isEmpty else { return }
        _ = try await store.append(points)
    }
}
