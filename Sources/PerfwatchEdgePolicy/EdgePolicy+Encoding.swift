import PerfwatchModel

// The wire form: snake_case keys, durations as duration text ("60s"), absent parts omitted, so
// `parse(json:)` of `jsonBytes()` gives the same policy back (tested).

extension EdgePolicy: Encodable {
    enum Keys: String, CodingKey { case version, balancing, compression, routes, weights, images }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(version, forKey: .version)
        if let value = balancing?.rawValue { try container.encode(value, forKey: .balancing) }
        if let value = compression { try container.encode(value, forKey: .compression) }
        try container.encode(routes, forKey: .routes)
        try container.encode(weights, forKey: .weights)
        if !images.isEmpty { try container.encode(images, forKey: .images) }
    }

    /// Canonical JSON (weights sorted by URL).
    public var jsonText: String { (try? CompactJSONEncoder().encode(self)) ?? "{}" }
    public func jsonBytes() -> [UInt8] { Array(jsonText.utf8) }
}

extension RouteRule: Encodable {
    enum Keys: String, CodingKey { case match, methods, cache }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(match, forKey: .match)
        try container.encode(methods, forKey: .methods)
        if let value = cache { try container.encode(value, forKey: .cache) }
    }
}

extension CacheRule: Encodable {
    enum Keys: String, CodingKey {
        case ttl, override, vary
        case ignoreCookies = "ignore_cookies", allowAuthorized = "allow_authorized"
        case staleWhileRevalidate = "stale_while_revalidate", staleIfError = "stale_if_error"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(DurationText.format(milliseconds: ttlMs), forKey: .ttl)
        if override { try container.encode(true, forKey: .override) }
        if !vary.isEmpty { try container.encode(vary, forKey: .vary) }
        if ignoreCookies { try container.encode(true, forKey: .ignoreCookies) }
        if allowAuthorized { try container.encode(true, forKey: .allowAuthorized) }
        if staleWhileRevalidateMs > 0 { try container.encode(DurationText.format(milliseconds: staleWhileRevalidateMs), forKey: .staleWhileRevalidate) }
        if staleIfErrorMs > 0 { try container.encode(DurationText.format(milliseconds: staleIfErrorMs), forKey: .staleIfError) }
    }
}

extension CompressionRule: Encodable {
    enum Keys: String, CodingKey { case algorithms, types, minBytes = "min_bytes" }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(algorithms, forKey: .algorithms)
        try container.encode(types, forKey: .types)
        try container.encode(minBytes, forKey: .minBytes)
    }
}

extension ImageRule: Encodable {
    enum Keys: String, CodingKey {
        case match, formats, widths, quality, ttl
        case defaultWidth = "default_width", badWidth = "bad_width", avifQuality = "avif_quality"
        case maxPixels = "max_pixels", maxBytes = "max_bytes"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(match, forKey: .match)
        try container.encode(formats, forKey: .formats)
        try container.encode(widths, forKey: .widths)
        if let value = defaultWidth { try container.encode(value, forKey: .defaultWidth) }
        try container.encode(badWidth.rawValue, forKey: .badWidth)
        try container.encode(quality, forKey: .quality)
        try container.encode(avifQuality, forKey: .avifQuality)
        try container.encode(maxPixels, forKey: .maxPixels)
        try container.encode(maxBytes, forKey: .maxBytes)
        try container.encode(DurationText.format(milliseconds: ttlMs), forKey: .ttl)
    }
}
