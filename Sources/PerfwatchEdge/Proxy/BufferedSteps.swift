public import PerfwatchEdgePolicy

/// The steps that need a whole response — the cache and compression — as the proxy calls them.
/// `EdgeRuntime` plugs in `ResponseCache.respond` and `ResponseCompression.apply`; tests plug in
/// stand-ins. A route takes the buffered path only when a step applies to it.
public struct BufferedSteps: Sendable {
    public typealias Fetch = @Sendable (EdgeRequest) async throws -> EdgeResponse
    /// `(request, rule, fetch) → (response, outcome)`; the outcome is `HIT|MISS|STALE|REVALIDATED|BYPASS`.
    public typealias Cache = @Sendable (EdgeRequest, CacheRule, @escaping Fetch) async throws -> (EdgeResponse, String)
    public typealias Compress = @Sendable (EdgeResponse, EdgeRequest, CompressionRule) -> EdgeResponse

    /// `(request, rule) → response`: a fresh hit the cache can give at once, without a fetch or a
    /// wait (nil: go through `cache`). The pass-through handler serves these on the event loop.
    public typealias Hit = @Sendable (EdgeRequest, CacheRule) -> EdgeResponse?

    public var cache: Cache?
    public var hit: Hit?
    public var compress: Compress?

    public init(cache: Cache? = nil, hit: Hit? = nil, compress: Compress? = nil) {
        self.cache = cache
        self.hit = hit
        self.compress = compress
    }

    /// What applies to one request: its route's cache rule, the policy's compression.
    struct Applied: Sendable {
        var hit: Hit?
        var cache: (rule: CacheRule, step: Cache)?
        var compress: (rule: CompressionRule, step: Compress)?
    }
}
