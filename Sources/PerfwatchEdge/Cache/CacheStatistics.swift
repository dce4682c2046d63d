/// Counters of a `ResponseCache` since it started, and what it holds now (the edge's report).
public struct CacheStatistics: Sendable, Equatable {
    /// Stored responses (every variant of every URL) and their bytes (bodies and headers).
    public var entries = 0
    public var bytes = 0
    /// Answers from the cache without asking upstream; a request that joined a concurrent miss of the same
    /// URL (coalescing) counts here too: it did not reach upstream.
    public var hits = 0
    public var misses = 0
    /// Stale answers: during stale-while-revalidate or because of stale-if-error.
    public var stale = 0
    public var revalidated = 0
    public var bypassed = 0
    /// URLs evicted to stay within the byte bound.
    public var evictions = 0

    public init() {}
}
