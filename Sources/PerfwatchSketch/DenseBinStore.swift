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

    mutating func add(index: Int32, count: UInt64) {
        if counts.isEmpty {
            offset = index
            counts = [count]
            return
        }
        var index = index
        if index < offset {
            let grow = Int(offset - index)
            if counts.count + grow > Self.maxBins {
                // Collapse: everything below the lowest kept bin lands in that bin.
                index = offset
            } else {
                counts.insert(contentsOf: repeatElement(0, count: grow), at: 0)
                offset = index
            }
        }
        let position = Int(index - offset)
        if position >= counts.count {
            let needed = position + 1 - counts.count
            if counts.count + needed > Self.maxBins {
                collapseLowest(toFit: position + 1)
                counts[Int(index - offset)] += count
                return
            }
            counts.append(contentsOf: repeatElement(0, count: needed))
        }
        counts[position] += count
    }

    private mutating func collapseLowest(toFit span: Int) {
        let overflow = span - Self.maxBins
        guard overflow > 0 else { return }
        let drop = Swift.min(overflow, counts.count)
        let collapsed = counts[0..<drop].reduce(0, +)
        counts.removeFirst(drop)
        offset += Int32(drop)
        let extra = span - drop - counts.count
        if extra > 0 { counts.append(contentsOf: repeatElement(0, count: extra)) }
        if counts.isEmpty { counts = [0] }
        counts[0] += collapsed
    }

    mutating func merge(_ other: DenseBinStore) {
        guard !other.counts.isEmpty else { return }
        if counts.isEmpty {
            self = other
            return
        }
        // Grow once to the union range, then add element-wise.
        add(index: other.offset, count: 0)
        add(index: other.offset + Int32(other.counts.count - 1), count: 0)
        for (position, value) in other.counts.enumerated() where value > 0 {
            add(index: other.offset + Int32(position), count: value)
        }
    }
}
