import PerfwatchModel

/// Span-derived metrics held back between commits, bounded in size and age so queries never
/// wait on much and a crash never needs to re-derive more than a moment of spans.
struct DeferredDerived: Sendable {
    static let maxPoints = 400_000
    // Long enough that hot sketch buckets (this minute, this hour) are rewritten every few
    // seconds rather than every commit; short enough that a crash re-derives little.
    static let maxAge: Duration = .seconds(5)

    private(set) var points = PointBatch()
    private var since: ContinuousClock.Instant?

    func canHold(_ count: Int) -> Bool {
        guard points.count + count <= Self.maxPoints else { return false }
        guard let since else { return true }
        return ContinuousClock.now - since < Self.maxAge
    }

    mutating func add(_ batch: PointBatch) {
        if since == nil { since = ContinuousClock.now }
        points.append(contentsOf: batch)
    }
}
