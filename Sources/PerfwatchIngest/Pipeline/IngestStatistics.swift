import Synchronization

/// The server's own ingest counters, rendered at `/metrics` and used by `/readyz` and the overview.
public final class IngestStatistics: Sendable {
    public struct Snapshot: Sendable {
        public var ingestedSamples: UInt64 = 0
        public var ingestedSpans: UInt64 = 0
        public var rejectedByReason: [String: UInt64] = [:]
        public var queueDepth = 0
        public var commits: UInt64 = 0
        public var commitSecondsSum = 0.0
        /// Cumulative counts per upper bound of `commitBuckets`.
        public var commitBucketCounts: [UInt64] = Array(repeating: 0, count: IngestStatistics.commitBuckets.count)
        public var overloadRefusals: UInt64 = 0
        public var commitFailures: UInt64 = 0
    }

    public static let commitBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func recordRejections(_ reasons: [String]) {
        guard !reasons.isEmpty else { return }
        state.withLock { for reason in reasons { $0.rejectedByReason[reason, default: 0] += 1 } }
    }

    func recordCommit(samples: Int, spans: Int, seconds: Double) {
        state.withLock { state in
            state.ingestedSamples += UInt64(samples)
            state.ingestedSpans += UInt64(spans)
            state.commits += 1
            state.commitSecondsSum += seconds
            for (index, bound) in Self.commitBuckets.enumerated() where seconds <= bound {
                state.commitBucketCounts[index] += 1
            }
        }
    }

    func setQueueDepth(_ depth: Int) { state.withLock { $0.queueDepth = depth } }
    func recordOverload() { state.withLock { $0.overloadRefusals += 1 } }
    func recordCommitFailure() { state.withLock { $0.commitFailures += 1 } }
}
