/// Bin counts for a contiguous range of bin indexes, grown on demand.
///
/// Latencies span a few hundred bins at 1% accuracy, so a dense array beats a dictionary for
/// both adding and merging.
struct DenseBinStore: Sendable, Equatable {
    /// Upper bound on bins (about 1e-9 … 1e17 at 1%); beyond it the lowest bins collapse into
    /// one, which only loses accuracy for values far below anything we record.
    static let maxBins = 4096

    private(set) var offset: Int32 = 0
    private(set) var counts: [UInt64] = []

    var isEmpty: Bool { counts.isEmpty }

    init() {}

    init(offset: Int32, counts: [UInt64]) {
        self.offset = offset
        self.counts = counts
    }

    /// Adds `count` at bin `index`. The store never holds more than `maxBins` bins: a bin
    /// above the kept range moves the range up and collapses the lowest bins into the new
    /// lowest one; a bin below it lands in the lowest kept bin.
    mutating func add(index: Int32, count: UInt64) {
        if counts.isEmpty {
            offset = index
            counts = [count]
            return
        }
        var index = index
        if index < offset {
            let grow = Int(offset) - Int(index)
            if counts.count + grow > Self.maxBins {
                // Collapse: everything below the lowest kept bin lands in that bin.
                index = offset
            } else {
                counts.insert(contentsOf: repeatElement(0, count: grow), at: 0)
                offset = index
            }
        }
        var position = Int(index) - Int(offset)
        if position >= counts.count {
            if position + 1 > Self.maxBins {
                collapseLowest(keepingTop: index)
                position = Int(index) - Int(offset)
            }
            counts.append(contentsOf: repeatElement(0, count: position + 1 - counts.count))
        }
        counts[position] = counts[position].saturatingAdding(count)
    }

    /// Moves the kept range to the `maxBins` bins ending at `top`; bins below it are summed
    /// into the new lowest bin.
    private mutating func collapseLowest(keepingTop top: Int32) {
        let newOffset = Int(top) - Self.maxBins + 1
        let drop = Swift.min(newOffset - Int(offset), counts.count)
        var collapsed: UInt64 = 0
        for value in counts[0..<drop] { collapsed = collapsed.saturatingAdding(value) }
        counts.removeFirst(drop)
        offset = Int32(newOffset)
        if counts.isEmpty { counts = [0] }
        counts[0] = counts[0].saturatingAdding(collapsed)
    }

    mutating func merge(_ other: DenseBinStore) {
        guard !other.counts.isEmpty else { return }
        if counts.isEmpty {
            self = other
            return
        }
        // Grow once to the union range, then add element-wise.
        // Positions past Int32 (only a corrupt store could have them) land in the top bin.
        func index(_ position: Int) -> Int32 { Int32(clamping: Int(other.offset) + position) }
        add(index: other.offset, count: 0)
        add(index: index(other.counts.count - 1), count: 0)
        for (position, value) in other.counts.enumerated() where value > 0 {
            add(index: index(position), count: value)
        }
    }
}
