import PerfwatchEdgePolicy
public import PerfwatchModel
public import PerfwatchQuery
import PerfwatchStatistics

/// `edge_balancing`: per service behind `perfwatch edge`, an upstream instance whose p95
/// (requests it answered: cache outcome not HIT or STALE) is at least `minRatio` times the
/// median p95 of its peers, each with at least `minRequests`. The balancing in force is not in
/// the metrics, so the check "not already p2c_ewma" is skipped; what the data does show is
/// whether traffic already avoids the slow instance: under half its even share of requests →
/// no recommendation (latency-aware balancing, or health checks, already steer away). The
/// estimate: the service's p95 over answered requests now → the slowest peer's p95.
public struct EdgeBalancingAnalyzer: Analyzer {
    public var minRequests = 50.0
    public var minRatio = 3.0
    let engine: QueryEngine

    public init(engine: QueryEngine) { self.engine = engine }

    public var types: Set<String> { ["edge_balancing"] }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        let answered = [
            TagFilter(key: "upstream", value: "", negated: true), TagFilter(key: "cache", value: "HIT", negated: true),
            TagFilter(key: "cache", value: "STALE", negated: true),
        ]
        let instances = try await engine.table(
            "edge.request.duration", [.percentile(0.95), .count], by: ["service", "upstream"], filters: answered, from: context.from,
            to: context.to, nowMs: context.nowMs)
        let services = try await engine.table(
            "edge.request.duration", [.percentile(0.95)], by: ["service"], filters: answered, from: context.from, to: context.to,
            nowMs: context.nowMs)[0]
        var byService: [String: [Instance]] = [:]
        for (labels, p95) in instances[0] {
            let count = instances[1][labels] ?? 0
            guard count >= minRequests else { continue }
            byService[labels["service"] ?? "", default: []].append(Instance(upstream: labels["upstream"] ?? "", p95: p95, count: count))
        }
        var findings: [PerformanceIssue] = []
        for (service, upstreams) in byService where upstreams.count >= 2 {
            let total = upstreams.map(\.count).reduce(0, +)
            let ranked = upstreams.map { Ranked(instance: $0, among: upstreams) }.sorted {
                $0.ratio != $1.ratio ? $0.ratio > $1.ratio : $0.instance.upstream < $1.instance.upstream
            }
            guard let slow = ranked.first, slow.ratio >= minRatio else { continue }
            let share = slow.instance.count / total
            guard share >= 0.5 / Double(upstreams.count) else { continue }
            let peersP95 = slow.peersMedian
            let p95Now = services[Labels(["service": service])] ?? slow.instance.p95
            let expected = min(p95Now, slow.peers.max() ?? peersP95)
            let ratio = (slow.ratio * 10).rounded() / 10
            let change = EdgePolicyChange(balancing: .p2cEWMA)
            findings.append(
                PerformanceIssue(
                    fingerprint: "edge_balancing|\(service)|", type: "edge_balancing",
                    title: "Instance \(slow.instance.upstream) answers \(ratio)× slower than its peers: switch to latency-aware balancing",
                    description: "Behind the edge of \(service), \(slow.instance.upstream) has a p95 of \(EdgeRecommendation.ms(slow.instance.p95)) against \(EdgeRecommendation.ms(peersP95)) for the median of its \(slow.peers.count) peer\(slow.peers.count == 1 ? "" : "s"), and answered \(EdgeRecommendation.percent(share)) of \(Int(total)) requests in \(EdgeRecommendation.window(context)).",
                    recommendation: "Switch the edge's balancing to \(EdgePolicy.Balancing.p2cEWMA.rawValue) (power of two choices over peak-EWMA latency), which sends fewer requests to the slow instance: expected p95 \(EdgeRecommendation.ms(p95Now)) → \(EdgeRecommendation.ms(expected)). Then find out why \(slow.instance.upstream) is slow. Applying it publishes: \(change.summary).",
                    severity: Severity.forImpact(slow.ratio >= 10 ? .critical : .warning, impactMs: max(0, p95Now - expected)), service: service, route: "", impactMs: max(0, p95Now - expected),
                    evidence: Format.evidence([
                        "upstream": Format.string(slow.instance.upstream), "p95Ms": Format.number(slow.instance.p95),
                        "peersMedianP95Ms": Format.number(peersP95), "ratio": Format.number(slow.ratio),
                        "requestShare": Format.number(share), "requests": Format.number(total),
                        "serviceP95Ms": Format.number(p95Now), "expectedP95Ms": Format.number(expected),
                        "policy_change": change.jsonText,
                    ])))
        }
        return findings.sorted { $0.fingerprint < $1.fingerprint }
    }

    struct Instance {
        var upstream: String
        var p95: Double
        var count: Double
    }

    /// One instance against the others of its service.
    struct Ranked {
        var instance: Instance
        var peers: [Double]
        var peersMedian: Double
        var ratio: Double

        init(instance: Instance, among all: [Instance]) {
            self.instance = instance
            peers = all.filter { $0.upstream != instance.upstream }.map(\.p95)
            peersMedian = RobustStatistics.median(peers) ?? 0
            ratio = instance.p95 / max(peersMedian, 0.001)
        }
    }
}
