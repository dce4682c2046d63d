import PerfwatchModel
import PerfwatchPromQL
import PerfwatchStorage

/// One stored series as PromQL sees it: counters and gauges are one series, a distribution is three families
/// (`x_bucket` with one series per `le`, `x_sum`, `x_count`).
struct ExposedSeries: Sendable {
    enum Family: String, CaseIterable, Sendable {
        case plain = ""
        case bucket = "_bucket"
        case sum = "_sum"
        case count = "_count"
    }

    let info: SeriesInfo
    let family: Family
    /// The labels with `__name__` (for `bucket`, without `le`: every bound shares them).
    let labels: PerfwatchPromQL.Labels
    /// Names an equality matcher on `__name__` may use besides the exposed one.
    let aliases: Set<String>

    var name: String { labels.metricName ?? "" }

    /// Every family of `info`.
    static func all(_ info: SeriesInfo) -> [ExposedSeries] {
        let base = PrometheusNaming.exposedName(info)
        let aliases = PrometheusNaming.aliases(info)
        var pairs = info.key.labels.pairs.map { PerfwatchPromQL.Label(PrometheusNaming.labelName($0.key), $0.value) }
        let families: [Family] = info.kind == .distribution ? [.bucket, .sum, .count] : [.plain]
        return families.map { family in
            pairs.removeAll { $0.name == PerfwatchPromQL.Labels.metricName }
            pairs.append(PerfwatchPromQL.Label(PerfwatchPromQL.Labels.metricName, base + family.rawValue))
            return ExposedSeries(
                info: info, family: family, labels: PerfwatchPromQL.Labels(pairs),
                aliases: Set(aliases.map { $0 + family.rawValue }))
        }
    }

    /// Whether the series' labels satisfy `matcher`; for `bucket`, matchers on `le` are left to `matchesBound`.
    func matches(_ matcher: LabelMatcher) -> Bool {
        if matcher.name == PerfwatchPromQL.Labels.metricName, matcher.type == .equal, aliases.contains(matcher.value) {
            return true
        }
        if family == .bucket, matcher.name == "le" { return true }
        return matcher.matches(labels)
    }

    func matches(_ matchers: [LabelMatcher]) -> Bool { matchers.allSatisfy { matches($0) } }

    /// The labels of one bucket series.
    func bucketLabels(le: String) -> PerfwatchPromQL.Labels {
        var out = labels
        out.set("le", le)
        return out
    }
}

extension Array where Element == LabelMatcher {
    /// The matchers on `le`, which a bucket family applies per bound.
    var boundMatchers: [LabelMatcher] { filter { $0.name == "le" } }
}
