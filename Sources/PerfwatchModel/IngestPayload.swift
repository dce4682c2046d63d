/// Everything one group commit writes: metric points, spans, and the normalized SQL text of
/// any new query fingerprints.
public struct IngestPayload: Sendable {
    public var points: PointBatch
    public var spans: [Span]
    /// fingerprint → normalized statement.
    public var statements: [String: String]

    public init(points: PointBatch = PointBatch(), spans: [Span] = [], statements: [String: String] = [:]) {
        self.points = points
        self.spans = spans
        self.statements = statements
    }

    /// Items the queue counts against its bound.
    public var weight: Int { points.count + points.sketchEntries.count + spans.count }
    public var isEmpty: Bool { points.isEmpty && spans.isEmpty }

    public mutating func append(contentsOf other: IngestPayload) {
        points.append(contentsOf: other.points)
        spans.append(contentsOf: other.spans)
        statements.merge(other.statements) { current, _ in current }
    }
}
