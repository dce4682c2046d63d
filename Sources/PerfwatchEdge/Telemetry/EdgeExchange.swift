/// What the edge saw of one proxied request: the input of its span (`SpanBuilder`) and of
/// the repeat detector. Filled in by `EdgeProxy` as the exchange goes.
public struct EdgeExchange: Sendable {
    public var method: String
    /// path?query as the client sent it.
    public var target: String
    public var route: String
    public var status = 0
    /// The upstream that answered; "" when none did (or a cache hit).
    public var upstream = ""
    /// `HIT|MISS|STALE|REVALIDATED|BYPASS|NONE`.
    public var cache = "NONE"
    public var startUnixNanos: UInt64
    public var durationNanos: UInt64 = 0
    public var bytesOut = 0
    public var bytesUpstream = 0
    public var contentType = ""
    public var contentEncoding = "identity"
    public var cacheControl = "none"
    public var setCookie = false
    public var authorized = false
    public var cookie = false
    /// `first|same|changed` (RepeatTracker), "" when the body was not seen whole.
    public var repeatKind = ""
    /// Brotli size of the body, on a sampled uncompressed compressible response (`perfwatch.edge.brotli_bytes`).
    public var brotliBytes: Int?
    /// AVIF size of the body, on a sampled JPEG or PNG the edge sent as it came (`perfwatch.edge.avif_bytes`).
    public var avifBytes: Int?
    /// The body of a sampled image, waiting for its AVIF size (`EdgeProxy.finish` measures it off the request path).
    var imageSample: [UInt8]?
    /// No upstream answered (timeouts, connection failures, malformed responses).
    public var failed = false
    var trace: TraceContext

    var path: String { String(target.prefix { $0 != "?" }) }
}

/// Where finished exchanges go (the OTLP exporter; tests collect them).
public protocol EdgeExchangeSink: Sendable {
    func record(_ exchange: EdgeExchange)
}
