public import PerfwatchEdgePolicy
import Synchronization

/// The policy the edge runs: the server's latest accepted one merged over the file's local one,
/// swapped atomically (a request reads one whole policy). A server policy the edge cannot apply
/// is refused with the reason, and the one before stays.
public final class PolicyState: Sendable {
    struct Current: Sendable {
        var effective: EdgePolicy
        var refused: EdgeReport.Refused?
    }

    let local: EdgePolicy
    let upstreams: [String]
    let configuredBalancing: EdgePolicy.Balancing
    let pool: UpstreamPool
    private let state: Mutex<Current>

    public init(local: EdgePolicy, upstreams: [String], balancing: EdgePolicy.Balancing, pool: UpstreamPool) {
        self.local = local
        self.upstreams = upstreams
        configuredBalancing = balancing
        self.pool = pool
        state = Mutex(Current(effective: local))
        apply(to: pool, local)
    }

    public var effective: EdgePolicy { state.withLock { $0.effective } }
    var version: Int64 { state.withLock { $0.effective.version } }
    var refused: EdgeReport.Refused? { state.withLock { $0.refused } }

    /// Applies `server` merged over the local policy; returns the reason when it cannot.
    @discardableResult
    public func accept(_ server: EdgePolicy) -> String? {
        if let unknown = server.weights.keys.sorted().first(where: { EdgeConfiguration.normalizedBaseURL($0).map { !upstreams.contains($0) } ?? true }) {
            let reason = "weights name \(unknown), which is not one of this edge's upstreams (\(upstreams.joined(separator: ", ")))"
            state.withLock { $0.refused = .init(version: server.version, reason: reason) }
            return reason
        }
        var normalized = server
        normalized.weights = Dictionary(
            server.weights.map { (EdgeConfiguration.normalizedBaseURL($0.key) ?? $0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        let merged = normalized.merged(over: local)
        apply(to: pool, merged)
        state.withLock { $0 = Current(effective: merged, refused: nil) }
        return nil
    }

    /// The parts of a policy the pool runs: the algorithm and the weights.
    private func apply(to pool: UpstreamPool, _ policy: EdgePolicy) {
        pool.algorithm = policy.balancing ?? configuredBalancing
        pool.setWeights(policy.weights)
    }

    /// A server answer that did not parse: refused, the running policy stays.
    func refuse(version: Int64, reason: String) {
        state.withLock { $0.refused = .init(version: version, reason: reason) }
    }
}
