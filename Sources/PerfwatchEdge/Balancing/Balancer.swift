public import PerfwatchEdgePolicy

/// Picks the upstream for one request: pure, over `UpstreamState`s, with the random source
/// passed in so tests are deterministic.
public enum Balancer {
    /// The index to use, or nil when no upstream with weight > 0 is left after `excluding`.
    /// Healthy, non-ejected instances are preferred; when none is, every instance with weight
    /// is tried (a degraded answer beats none — the outage is the upstreams', not the edge's).
    public static func choose(
        _ upstreams: inout [UpstreamState], algorithm: EdgeConfiguration.Balancing, nowMs: Int64, excluding: Set<Int> = [],
        random: (Int) -> Int
    ) -> Int? {
        var candidates = upstreams.indices.filter { !excluding.contains($0) && upstreams[$0].isAvailable(nowMs: nowMs) }
        if candidates.isEmpty {
            candidates = upstreams.indices.filter { !excluding.contains($0) && upstreams[$0].weight > 0 }
        }
        guard !candidates.isEmpty else { return nil }
        switch algorithm {
        case .roundRobin: return smoothWeighted(&upstreams, candidates)
        case .leastRequests: return leastRequests(upstreams, candidates, random: random)
        case .p2cEWMA: return powerOfTwo(upstreams, candidates, random: random)
        }
    }

    /// nginx's smooth weighted round robin: weights 100, 100, 50 give a, b, a, c, b, … evenly spread.
    static func smoothWeighted(_ upstreams: inout [UpstreamState], _ candidates: [Int]) -> Int {
        var total = 0
        var best = candidates[0]
        for index in candidates {
            upstreams[index].currentWeight += upstreams[index].weight
            total += upstreams[index].weight
            if upstreams[index].currentWeight > upstreams[best].currentWeight { best = index }
        }
        upstreams[best].currentWeight -= total
        return best
    }

    /// Fewest outstanding requests relative to weight; ties broken at random.
    static func leastRequests(_ upstreams: [UpstreamState], _ candidates: [Int], random: (Int) -> Int) -> Int {
        func load(_ index: Int) -> Double { Double(upstreams[index].inFlight + 1) / Double(max(1, upstreams[index].weight)) }
        let lowest = candidates.map(load).min() ?? 0
        let tied = candidates.filter { load($0) == lowest }
        return tied[random(tied.count)]
    }

    /// Two distinct instances at random; the one with the lower peak-EWMA × (in-flight + 1).
    static func powerOfTwo(_ upstreams: [UpstreamState], _ candidates: [Int], random: (Int) -> Int) -> Int {
        guard candidates.count > 1 else { return candidates[0] }
        let first = random(candidates.count)
        var second = random(candidates.count - 1)
        if second >= first { second += 1 }
        let (a, b) = (candidates[first], candidates[second])
        return upstreams[b].cost < upstreams[a].cost ? b : a
    }
}
