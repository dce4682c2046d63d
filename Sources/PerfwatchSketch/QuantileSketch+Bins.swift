extension QuantileSketch {
    /// The sketch's contents as `(value, count)` pairs in ascending value order: each bin's
    /// representative value (within the relative accuracy of every value in it) and its count.
    /// Rank tests over two sketches of the same accuracy treat equal bins as ties.
    public var bins: [(value: Double, count: UInt64)] {
        var out: [(value: Double, count: UInt64)] = []
        let negativeCounts = negative.counts
        for position in negativeCounts.indices.reversed() where negativeCounts[position] > 0 {
            out.append((-binValue(negative.offset + Int32(position)), negativeCounts[position]))
        }
        if zeroCount > 0 { out.append((0, zeroCount)) }
        let positiveCounts = positive.counts
        for position in positiveCounts.indices where positiveCounts[position] > 0 {
            out.append((binValue(positive.offset + Int32(position)), positiveCounts[position]))
        }
        return out
    }
}
