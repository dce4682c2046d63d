import Synchronization

/// Counters of one destination for `/metrics`: points and spans it accepted, items dropped
/// by reason, and failed attempts (each retried). Spool bytes and `spool_full` drops are read
/// from the spool itself.
public final class ForwardingStatistics: Sendable {
    public enum DropReason: String, Sendable, CaseIterable {
        /// Deleted unsent from a full spool (counted by the spool).
        case spoolFull = "spool_full"
        /// Refused by the destination with a 4xx other than 429: sending again would not help.
        case rejected
        /// The spool writer fell behind and the hand-off from ingest was full.
        case queueFull = "queue_full"
        /// Values the destination's format cannot carry (NaN and infinities in JSON or CloudWatch).
        case unrepresentable
        /// The spool could not be written (disk full, permissions).
        case spoolError = "spool_error"
    }

    struct Counts {
        var sent = 0
        var failures = 0
        var dropped: [DropReason: Int] = [:]
    }

    private let counts = Mutex(Counts())

    public init() {}

    public func recordSent(_ items: Int) { counts.withLock { $0.sent += items } }
    public func recordFailure() { counts.withLock { $0.failures += 1 } }
    public func recordDropped(_ items: Int, _ reason: DropReason) {
        guard items > 0 else { return }
        counts.withLock { $0.dropped[reason, default: 0] += items }
    }

    public var sent: Int { counts.withLock { $0.sent } }
    public var failures: Int { counts.withLock { $0.failures } }
    public func dropped(_ reason: DropReason) -> Int { counts.withLock { $0.dropped[reason] ?? 0 } }
}
