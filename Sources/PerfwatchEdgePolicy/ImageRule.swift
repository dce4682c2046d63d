/// How the edge serves the images of one path pattern (issue 17, docs/images.md): in the best format
/// the request's `Accept` allows among `formats` (AVIF first), fitted inside an allowed width from `?w=`
/// (or `defaultWidth`), never enlarged, metadata stripped, auto-rotated; the variants cached.
public struct ImageRule: Sendable, Equatable {
    public enum BadWidth: String, Sendable, CaseIterable {
        /// `?w=` not in `widths` → the nearest allowed width (the larger on a tie).
        case nearest
        /// `?w=` not in `widths` → 400.
        case reject
    }

    public static let knownFormats = ["avif", "webp"]
    public static let defaultWidths = [640, 1280, 1920]

    /// A route pattern (`/products/:id/photo`) or path prefix (`/img/*`), as route rules match.
    public var match: String
    /// Formats offered to clients that accept them, in `knownFormats`; others get the original format.
    public var formats: [String]
    /// The widths `?w=` may ask for, ascending.
    public var widths: [Int]
    /// The width without `?w=`; nil keeps the image's own.
    public var defaultWidth: Int?
    public var badWidth: BadWidth
    /// JPEG and WebP quality.
    public var quality: Int
    public var avifQuality: Int
    /// Decoding caps: an image claiming more pixels, or a body over this many bytes, is passed through.
    public var maxPixels: Int
    public var maxBytes: Int
    /// How long variants stay fresh in the edge's cache when neither the upstream nor a route cache rule says.
    public var ttlMs: Int64

    public init(
        match: String, formats: [String] = ImageRule.knownFormats, widths: [Int] = ImageRule.defaultWidths, defaultWidth: Int? = nil,
        badWidth: BadWidth = .nearest, quality: Int = 80, avifQuality: Int = 60, maxPixels: Int = 40_000_000,
        maxBytes: Int = 16 * 1024 * 1024, ttlMs: Int64 = 3_600_000
    ) {
        self.match = match
        self.formats = formats
        self.widths = widths.sorted()
        self.defaultWidth = defaultWidth
        self.badWidth = badWidth
        self.quality = quality
        self.avifQuality = avifQuality
        self.maxPixels = maxPixels
        self.maxBytes = maxBytes
        self.ttlMs = ttlMs
    }

    public enum WidthChoice: Sendable, Equatable {
        /// Fit inside this width; nil: keep the image's own.
        case width(Int?)
        /// `?w=` asked for a width the rule does not allow (with `bad_width: reject`), or is not a number.
        case refused(String)
    }

    /// The width for a request target's `w` query parameter.
    public func width(forTarget target: String) -> WidthChoice {
        guard let query = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return .width(defaultWidth) }
        var asked: Substring?
        for pair in query.split(separator: "&") where pair.hasPrefix("w=") { asked = pair.dropFirst(2) }
        guard let asked else { return .width(defaultWidth) }
        let allowed = widths.map(String.init).joined(separator: ", ")
        guard let value = Int(asked), value > 0 else { return .refused("w=\(asked) is not a width in pixels; allowed: \(allowed)") }
        if widths.contains(value) || widths.isEmpty { return .width(value) }
        if badWidth == .reject { return .refused("w=\(value) is not an allowed width for \(match); allowed: \(allowed)") }
        let nearest = widths.min { abs($0 - value) < abs($1 - value) || (abs($0 - value) == abs($1 - value) && $0 > $1) }
        return .width(nearest)
    }
}
