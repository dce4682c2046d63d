import PerfwatchEdge
import PerfwatchEdgePolicy
import PerfwatchTesting
import Testing

@Suite("edge balancing")
struct BalancingTests {
    static func states(_ count: Int) -> [UpstreamState] { (0..<count).map { UpstreamState(url: "http://u\($0)") } }

    @Test("round robin spreads by weight; weight 0 gets nothing")
    func weightedRoundRobin() {
        var upstreams = Self.states(3)
        upstreams[1].weight = 50
        upstreams[2].weight = 0
        var counts = [0, 0, 0]
        for _ in 0..<300 {
            let index = Balancer.choose(&upstreams, algorithm: .roundRobin, nowMs: 0, random: { _ in 0 })!
            counts[index] += 1
        }
        #expect(counts == [200, 100, 0])
    }

    @Test("round robin with equal weights alternates")
    func roundRobinOrder() {
        var upstreams = Self.states(3)
        let order = (0..<6).map { _ in Balancer.choose(&upstreams, algorithm: .roundRobin, nowMs: 0, random: { _ in 0 })! }
        #expect(order == [0, 1, 2, 0, 1, 2])
    }

    @Test("least requests takes the instance with the fewest outstanding")
    func leastRequests() {
        var upstreams = Self.states(3)
        upstreams[0].inFlight = 4
        upstreams[1].inFlight = 1
        upstreams[2].inFlight = 2
        #expect(Balancer.choose(&upstreams, algorithm: .leastRequests, nowMs: 0, random: { _ in 0 }) == 1)
    }

    @Test("ejected and unhealthy instances are skipped while others are available; excluded ones never")
    func availability() {
        var upstreams = Self.states(3)
        upstreams[0].healthy = false
        let ejection = OutlierEjection()
        for _ in 0..<ejection.threshold { ejection.record(failure: true, on: &upstreams[1], nowMs: 0) }
        #expect(upstreams[1].isEjected(nowMs: 1000))
        for _ in 0..<5 { #expect(Balancer.choose(&upstreams, algorithm: .roundRobin, nowMs: 1000, random: { _ in 0 }) == 2) }
        // Nothing available: every instance with weight is tried rather than none.
        #expect(Balancer.choose(&upstreams, algorithm: .roundRobin, nowMs: 1000, excluding: [2], random: { _ in 0 }) != nil)
        #expect(Balancer.choose(&upstreams, algorithm: .roundRobin, nowMs: 1000, excluding: [0, 1, 2], random: { _ in 0 }) == nil)
    }

    @Test("ejection back-off doubles with each ejection in a row, capped; a success after it resets")
    func ejectionBackOff() {
        var ejection = OutlierEjection()
        ejection.threshold = 2
        ejection.baseMs = 1000
        ejection.maxMs = 3000
        var upstream = UpstreamState(url: "http://u")
        var now: Int64 = 0
        var windows: [Int64] = []
        for _ in 0..<3 {
            #expect(!ejection.record(failure: true, on: &upstream, nowMs: now))
            #expect(ejection.record(failure: true, on: &upstream, nowMs: now))
            windows.append((0...10_000).first { !upstream.isEjected(nowMs: now + Int64($0)) }.map(Int64.init)!)
            now += 10_000
        }
        #expect(windows == [1000, 2000, 3000])
        #expect(!ejection.record(failure: false, on: &upstream, nowMs: now))
        #expect(ejection.record(failure: true, on: &upstream, nowMs: now) == false)
        #expect(ejection.record(failure: true, on: &upstream, nowMs: now))
        #expect((0...10_000).first { !upstream.isEjected(nowMs: now + Int64($0)) } == 1000)
    }

    @Test("active health: unhealthy after N failed checks, healthy again after M passes")
    func healthThresholds() {
        var health = EdgeConfiguration.Health()
        health.unhealthyAfter = 2
        health.healthyAfter = 3
        let pool = UpstreamPool(urls: ["http://a"], algorithm: .roundRobin)
        pool.recordHealth(index: 0, passed: false, health: health)
        #expect(pool.snapshot[0].healthy)
        pool.recordHealth(index: 0, passed: false, health: health)
        #expect(!pool.snapshot[0].healthy)
        pool.recordHealth(index: 0, passed: true, health: health)
        pool.recordHealth(index: 0, passed: true, health: health)
        #expect(!pool.snapshot[0].healthy)
        pool.recordHealth(index: 0, passed: true, health: health)
        #expect(pool.snapshot[0].healthy)
    }

    /// Three instances, one at 10× latency, requests arriving every millisecond: how many
    /// reach the slow one under each algorithm (a discrete simulation over the pure balancer).
    static func slowShare(_ algorithm: EdgeConfiguration.Balancing) -> Double {
        var upstreams = Self.states(3)
        var random = SeededGenerator(seed: 7)
        let latency: [Int64] = [10, 10, 100]
        var completions: [(at: Int64, index: Int)] = []
        var sent = [0, 0, 0]
        for now in Int64(0)..<20_000 {
            completions.removeAll { completion in
                guard completion.at <= now else { return false }
                upstreams[completion.index].inFlight -= 1
                upstreams[completion.index].observeLatency(Double(latency[completion.index]), nowMs: now)
                return true
            }
            let index = Balancer.choose(&upstreams, algorithm: algorithm, nowMs: now, random: { Int(random.next() % UInt64($0)) })!
            upstreams[index].inFlight += 1
            sent[index] += 1
            completions.append((now + latency[index], index))
        }
        return Double(sent[2]) / Double(sent.reduce(0, +))
    }

    @Test("with one instance at 10× latency, P2C-EWMA sends it far fewer requests than round robin")
    func p2cAvoidsTheSlowInstance() {
        let roundRobin = Self.slowShare(.roundRobin)
        let p2c = Self.slowShare(.p2cEWMA)
        let least = Self.slowShare(.leastRequests)
        #expect(abs(roundRobin - 1.0 / 3) < 0.01)
        #expect(p2c < roundRobin / 3)
        #expect(least < roundRobin)
    }
}
