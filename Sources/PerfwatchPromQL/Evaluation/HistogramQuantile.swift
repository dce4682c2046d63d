/// `histogram_quantile` over classic buckets (`le` labels), Prometheus' `bucketQuantile`.
enum HistogramQuantile {
    struct Bucket {
        var upperBound: Double
        var count: Double
    }

    /// NaN without a +Inf bucket, with fewer than two buckets, or with no observations. Buckets with the same bound
    /// are merged and counts are forced monotonic (scrapes of different buckets at slightly different times).
    /// With a `grid`, a group whose bounds all lie on it came from Perfwatch's sketches: the bucket the rank falls in
    /// answers with its bin's representative value instead of the linear interpolation (see `SketchBucketGrid`).
    static func quantile(_ phi: Double, _ input: [Bucket], grid: SketchBucketGrid? = nil) -> Double {
        if phi.isNaN { return .nan }
        if phi < 0 { return -.infinity }
        if phi > 1 { return .infinity }
        var buckets = input.sorted { $0.upperBound < $1.upperBound }
        guard let last = buckets.last, last.upperBound == .infinity else { return .nan }
        buckets = coalesced(buckets)
        for index in buckets.indices.dropFirst() where buckets[index].count < buckets[index - 1].count {
            buckets[index].count = buckets[index - 1].count
        }
        guard buckets.count >= 2 else { return .nan }
        let observations = buckets[buckets.count - 1].count
        guard observations > 0 else { return .nan }
        var rank = phi * observations
        // The first bucket (excluding +Inf) whose cumulative count reaches the rank.
        var b = buckets.count - 1
        for index in 0..<(buckets.count - 1) where buckets[index].count >= rank {
            b = index
            break
        }
        if b == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
        if let grid, grid.recognises(buckets.map(\.upperBound)) {
            // The first bucket that reaches the rank and holds observations: a bucket with no increase has no bin.
            var chosen = b
            while chosen < buckets.count - 1, chosen > 0 ? buckets[chosen].count <= buckets[chosen - 1].count : buckets[chosen].count <= 0 {
                chosen += 1
            }
            if chosen == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
            return grid.representative(upper: buckets[chosen].upperBound)
        }
        if b == 0 && buckets[0].upperBound <= 0 { return buckets[0].upperBound }
        var bucketStart = 0.0
        let bucketEnd = buckets[b].upperBound
        var count = buckets[b].count
        if b > 0 {
            bucketStart = buckets[b - 1].upperBound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count)
    }

    private static func coalesced(_ buckets: [Bucket]) -> [Bucket] {
        var out: [Bucket] = []
        for bucket in buckets {
            if let last = out.last, last.upperBound == bucket.upperBound {
                out[out.count - 1].count += bucket.count
            } else {
                out.append(bucket)
            }
        }
        return out
    }

    /// Prometheus parses `le` with Go's ParseFloat: `+Inf`, `Inf`, decimals, exponents.
    static func parseBound(_ text: String) -> Double? {
        switch text.lowercased() {
        case "+inf", "inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return .nan
        default: return Double(text)
        }
    }
}
