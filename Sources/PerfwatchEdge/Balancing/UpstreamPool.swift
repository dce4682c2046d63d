import Foundation
public import PerfwatchModel
public import PerfwatchEdgePolicy
import Synchronization

/// The edge's upstream instances and what it learned of them, shared by every request,
/// the health checker and the reporter. Every operation is one short critical section.
public final class UpstreamPool: Sendable {
    public struct Lease: Sendable {
        public let index: Int
        public let url: String
    }

    private let state: Mutex<(upstreams: [UpstreamState], algorithm: EdgeConfiguration.Balancing)>
    private let ejection: OutlierEjection
    private let clock: @Sendable () -> Int64

    public init(
        urls: [String], algorithm: EdgeConfiguration.Balancing, ejection: OutlierEjection = OutlierEjection(),
        clock: @escaping @Sendable () -> Int64 = TimeParsing.nowMs
    ) {
        state = Mutex((urls.map(UpstreamState.init(url:)), algorithm))
        self.ejection = ejection
        self.clock = clock
    }

    public var snapshot: [UpstreamState] { state.withLock { $0.upstreams } }

    public var algorithm: EdgeConfiguration.Balancing {
        get { state.withLock { $0.algorithm } }
        set { state.withLock { $0.algorithm = newValue } }
    }

    /// Sets each upstream's weight (absent = 100).
    public func setWeights(_ weights: [String: Int]) {
        state.withLock { state in
            for index in state.upstreams.indices {
                state.upstreams[index].weight = weights[state.upstreams[index].url] ?? 100
            }
        }
    }

    /// Chooses an upstream and counts the request in flight on it; nil when none is left.
    public func acquire(excluding: Set<Int> = []) -> Lease? {
        let now = clock()
        return state.withLock { state -> Lease? in
            guard
                let index = Balancer.choose(
                    &state.upstreams, algorithm: state.algorithm, nowMs: now, excluding: excluding,
                    random: { Int.random(in: 0..<$0) })
            else { return nil }
            state.upstreams[index].inFlight += 1
            state.upstreams[index].requests += 1
            return Lease(index: index, url: state.upstreams[index].url)
        }
    }

    /// Ends a lease: `latencyMs` is the time to the response head (nil when no answer came);
    /// `failure` counts toward ejection (5xx or no connection).
    public func release(_ lease: Lease, latencyMs: Double?, failure: Bool) {
        let now = clock()
        state.withLock { state in
            var upstream = state.upstreams[lease.index]
            upstream.inFlight -= 1
            if failure { upstream.errors += 1 }
            if let latencyMs { upstream.observeLatency(latencyMs, nowMs: now) }
            ejection.record(failure: failure, on: &upstream, nowMs: now)
            state.upstreams[lease.index] = upstream
        }
    }

    /// One active health check's result; true when it turned the upstream healthy or unhealthy.
    @discardableResult
    public func recordHealth(index: Int, passed: Bool, health: EdgeConfiguration.Health) -> Bool {
        state.withLock { state in
            var upstream = state.upstreams[index]
            let wasHealthy = upstream.healthy
            HealthRule.record(passed: passed, on: &upstream, health: health)
            state.upstreams[index] = upstream
            return upstream.healthy != wasHealthy
        }
    }
}
