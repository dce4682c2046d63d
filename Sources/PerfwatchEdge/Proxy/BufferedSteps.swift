public import PerfwatchEdgePolicy

/// The steps that need a whole response — the cache, image transforms and compression — as the proxy
/// calls them. `EdgeRuntime` plugs in `ResponseCache.respond`, `ImageTransform.apply` and
/// `ResponseCompression.apply`; tests plug in stand-ins. A route takes the buffered path only when a step
/// applies to it.
public struct BufferedSteps: Sendable {
    public typealias Fetch = @Sendable (EdgeRequest) async throws -> EdgeResponse
    /// `(request, rule, fetch) → (response, outcome)`; the outcome is `HIT|MISS|STALE|REVALIDATED|BYPASS`.
    public typealias Cache = @Sendable (EdgeRequest, CacheRule, @escaping Fetch) async throws -> (EdgeResponse, String)
    public typealias Compress = @Sendable (EdgeResponse, EdgeRequest, CompressionRule) -> EdgeResponse
    public typealias Images = @Sendable (EdgeResponse, EdgeRequest, ImageRule) async -> EdgeResponse

    /// `(request, rule) → response`: a fresh hit the cache can give at once, without a fetch or a
    /// wait (nil: go through `cache`). The pass-through handler serves these on the event loop.
    public typealias Hit = @Sendable (EdgeRequest, CacheRule) -> EdgeResponse?

    public var cache: Cache?
    public var hit: Hit?
    public var compress: Compress?
    public var images: Images?
    /// The AVIF size of an image the edge sent as it came (nil: not measured now): the `edge_images` estimate.
    public var imageSample: (@Sendable ([UInt8]) async -> Int?)?

    public init(
        cache: Cache? = nil, hit: Hit? = nil, compress: Compress? = nil, images: Images? = nil,
        imageSample: (@Sendable ([UInt8]) async -> Int?)? = nil
    ) {
        self.cache = cache
        self.hit = hit
        self.compress = compress
        self.images = images
        self.imageSample = imageSample
    }

    /// What applies to one request: its route's cache rule (or, for images without one, the image
    /// rule's), its image rule, the policy's compression.
    struct Applied: Sendable {
        var hit: Hit?
        var cache: (rule: CacheRule, step: Cache)?
        var images: (rule: ImageRule, step: Images)?
        var compress: (rule: CompressionRule, step: Compress)?
    }
}

extension BufferedSteps {
    /// The steps `perfwatch edge` runs: this cache, these image transforms, compression.
    public static func live(cache: ResponseCache, images: ImageTransform) -> BufferedSteps {
        BufferedSteps(
            cache: { request, rule, fetch in
                let (response, outcome) = try await cache.respond(to: request, rule: rule, fetch: fetch)
                return (response, outcome.rawValue)
            },
            hit: { request, rule in cache.freshHit(for: request, rule: rule) },
            compress: { response, request, rule in ResponseCompression.apply(to: response, request: request, rule: rule) },
            images: { response, request, rule in await images.apply(to: response, request: request, rule: rule) },
            imageSample: { body in await images.sampleSize(body) })
    }
}
