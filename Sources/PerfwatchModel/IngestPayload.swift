/// Everything one group commit writes: metric points, span blocks, the metrics derived from
/// those spans, and the normalized SQL text of any new query fingerprints.
public struct IngestPayload: Sendable {
    public var points: PointBatch
    public var spanBlocks: [SpanBlock]
    /// Metrics derived from `spanBlocks`. Unlike `points` the store may write them a little
    /// later, batched with other commits', because it can derive them again from the stored
    /// blocks after a crash.
    public var derived: PointBatch
    /// Metrics derived from records that cannot be derived again (browser beacons): held back
    /// like `derived`, and journaled in the commit so a crash loses none of them.
    public var journaledDerived: PointBatch
    /// fingerprint → normalized statement.
    public var statements: [String: String]
    /// Browser page views, errors and journeys.
    public var rum: RUMRecords

    public init(
        points: PointBatch = PointBatch(), spanBlocks: [SpanBlock] = [], derived: PointBatch = PointBatch(),
        statements: [String: String] = [:], rum: RUMRecords = RUMRecords(), journaledDerived: PointBatch = PointBatch()
    ) {
        self.journaledDerived = journaledDerived
        self.rum = rum
        self.points = points
        self.spanBlocks = spanBlocks
        self.derived = derived
        self.statements = statements
    }

    /// Items the queue counts against its bound.
    public var weight: Int { points.count + points.sketchEntries.count + spanCount + derived.count + journaledDerived.count + rum.count }
    public var isEmpty: Bool { points.isEmpty && spanBlocks.isEmpty && derived.isEmpty && journaledDerived.isEmpty && rum.isEmpty }
    public var spanCount: Int { spanBlocks.reduce(0) { $0 + $1.spanCount } }

    public mutating func append(contentsOf other: IngestPayload) {
        points.append(contentsOf: other.points)
        spanBlocks.append(contentsOf: other.spanBlocks)
        derived.append(contentsOf: other.derived)
        // Deduplicated here, on the pipeline, so the writer journals and holds each series once.
        journaledDerived.appendDeduplicating(other.journaledDerived)
        rum.append(contentsOf: other.rum)
        statements.merge(other.statements) { current, _ in current }
    }
}
