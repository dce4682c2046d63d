/// Identity of one time series: metric name plus its label set.
public struct SeriesKey: Hashable, Sendable {
    public var metric: String
    public var labels: Labels

    public init(metric: String, labels: Labels) {
        self.metric = metric
        self.labels = labels
    }

    public var canonical: String { metric + "{" + labels.canonical + "}" }
}
