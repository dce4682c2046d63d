import PerfwatchModel

/// Span-derived metrics held back between commits, bounded in size and age so queries never
/// wait on much and a crash never needs to re-derive more than a moment of spans.
struct DeferredDerived: Sendable {
    static let maxPoints = 400_000
    // Long enough that hot sketch buckets (this minute, this hour) are rewritten every few
    // seconds rather than every commit; short enough that a crash re-derives little.
    static let maxAge: Duration = .seconds(5)

    /// Series deduplicated across the commits held (each export repeats most of them).
    private(set) var points = PointBatch()
    /// The newest span block whose metrics are in `points` (0: none).
    private(set) var throughBlock: Int64 = 0
    /// The newest `derived_journal` row whose metrics are in `points` (0: none).
    private(set) var throughJournal: Int64 = 0
    private var since: ContinuousClock.Instant?

    var isEmpty: Bool { points.isEmpty }

    func canHold(_ count: Int) -> Bool {
        guard points.count + count <= Self.maxPoints else { return false }
        guard let since else { return true }
        return ContinuousClock.now - since < Self.maxAge
    }

    /// Adds one commit's metrics, derived from blocks up to `throughBlock` or journaled in rows
    /// up to `throughJournal`.
    mutating func add(_ batch: PointBatch, throughBlock block: Int64?, throughJournal journal: Int64? = nil) {
        if since == nil { since = ContinuousClock.now }
        points.appendDeduplicating(batch)
        if let block { throughBlock = max(throughBlock, block) }
        if let journal { throughJournal = max(throughJournal, journal) }
    }

    /// Puts back what a failed write had taken (its points are as old as anything held).
    mutating func restore(_ taken: DeferredDerived) {
        var merged = taken
        merged.add(points, throughBlock: throughBlock, throughJournal: throughJournal)
        self = merged
    }
}
