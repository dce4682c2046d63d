/// Identity of one time series: metric name plus its label set.
///
/// The hash is computed once at creation: ingest looks series up several times per point,
/// and hashing every label string each time dominated the write path in profiles.
public struct SeriesKey: Hashable, Sendable {
    public let metric: String
    public let labels: Labels
    private let cachedHash: Int

    public init(metric: String, labels: Labels) {
        self.metric = metric
        self.labels = labels
        var hasher = Hasher()
        hasher.combine(metric)
        hasher.combine(labels)
        cachedHash = hasher.finalize()
    }

    public var canonical: String { metric + "{" + labels.canonical + "}" }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(cachedHash)
    }

    public static func == (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        lhs.cachedHash == rhs.cachedHash && lhs.metric == rhs.metric && lhs.labels == rhs.labels
    }
}
