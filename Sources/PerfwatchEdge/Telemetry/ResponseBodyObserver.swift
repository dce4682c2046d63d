import NIOCore

/// What the edge learns from a streamed response body on its way through, for its span: a
/// hash for `perfwatch.edge.repeat`, and on a sampled uncompressed response the bytes for the
/// brotli estimate, or on a sampled JPEG/PNG those for the AVIF estimate. Nothing is kept when no
/// telemetry sink is configured.
struct ResponseBodyObserver {
    static let inlineSampleBytes = 64 * 1024
    private var hash: BodyHash?
    private var sample: [UInt8]?
    private var image = false

    init() {}

    init(proxy: EdgeProxy, exchange: EdgeExchange) {
        hash = proxy.sink == nil ? nil : BodyHash()
        guard hash != nil, exchange.contentEncoding == "identity" else { return }
        if proxy.wantsImageSample(exchange.contentType) {
            sample = []
            image = true
        } else if proxy.wantsBrotliSample(exchange.contentType) {
            sample = []
        }
    }

    mutating func add(_ chunk: ByteBuffer) {
        guard hash != nil else { return }
        hash?.add(chunk.readableBytesView)
        if sample != nil {
            let cap = image ? EdgeProxy.imageSampleMaxBytes : EdgeProxy.brotliSampleMaxBytes
            if (sample?.count ?? 0) + chunk.readableBytes <= cap { sample? += chunk.readableBytesView } else { sample = nil }
        }
    }

    /// Ends the exchange (`EdgeProxy.finish`). A brotli sample over `inlineSampleBytes` is compressed
    /// off the event loop (up to a megabyte of it would hold every connection of the loop), and the
    /// span follows it; a smaller one is compressed here (well under a millisecond).
    func finish(_ exchange: EdgeExchange, started: UInt64, proxy: EdgeProxy) {
        var exchange = exchange
        if let hash { exchange.repeatKind = proxy.repeats.classify(method: exchange.method, target: exchange.target, hash: hash.value) }
        guard let sample, !sample.isEmpty else {
            proxy.finish(&exchange, started: started)
            return
        }
        if image {
            exchange.imageSample = sample
            proxy.finish(&exchange, started: started)
            return
        }
        guard sample.count > Self.inlineSampleBytes else {
            exchange.brotliBytes = ResponseCompression.brotliSize(of: sample)
            proxy.finish(&exchange, started: started)
            return
        }
        exchange.durationNanos = EdgeProxy.nanosSince(started)
        let measured = exchange
        Task.detached {
            var exchange = measured
            exchange.brotliBytes = ResponseCompression.brotliSize(of: sample)
            proxy.sink?.record(exchange)
        }
    }
}
