import PerfwatchModel
import Synchronization

/// Decides whether an ingest request may be read at all, before its body is.
///
/// Why: under overload the pipeline's queue refused batches only after their bodies were
/// read and parsed, so the CPU went to work that was thrown away (accepted points fell to
/// 30% of capacity) and every waiting body stayed in memory (RSS 1 GB). Here a request is
/// refused at once, with `Retry-After`, when the queue is over half full or when the bodies
/// being read, parsed or committed already add up to `maxBodyBytesInFlight`; admitted work
/// runs at the speed the committer drains it.
public final class IngestAdmission: Sendable {
    public let maxBodyBytesInFlight: Int
    private let pipeline: IngestPipeline
    private let statistics: IngestStatistics
    private let inFlight = Mutex(0)

    public init(pipeline: IngestPipeline, maxBodyBytesInFlight: Int, statistics: IngestStatistics) {
        self.pipeline = pipeline
        self.maxBodyBytesInFlight = maxBodyBytesInFlight
        self.statistics = statistics
    }

    public var bytesInFlight: Int { inFlight.withLock { $0 } }

    /// Runs `work` with `bytes` counted in flight, or throws `overloaded` without running it.
    public func admit<T>(bytes: Int, _ work: () async throws -> T) async throws -> T {
        try reserve(bytes)
        defer { release(bytes) }
        return try await work()
    }

    func reserve(_ bytes: Int) throws {
        if pipeline.isOverloaded {
            statistics.recordOverload()
            throw PerfwatchError(.overloaded, "ingest queue is more than half full; retry shortly")
        }
        let admitted = inFlight.withLock { total in
            // One request alone is always admitted, whatever its size (up to the body limit).
            guard total == 0 || total + bytes <= maxBodyBytesInFlight else { return false }
            total += bytes
            return true
        }
        if !admitted {
            statistics.recordOverload()
            throw PerfwatchError(.overloaded, "too many ingest bytes in flight (limit \(maxBodyBytesInFlight)); retry shortly")
        }
    }

    func release(_ bytes: Int) {
        inFlight.withLock { $0 -= bytes }
    }
}
