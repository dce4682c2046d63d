import CVips

/// What an image's header says, read without decoding its pixels.
public struct ImageInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var hasAlpha: Bool
    /// EXIF orientation 1...8.
    public var orientation: Int
    /// nil: an image libvips reads but Perfwatch does not transform (GIF, SVG, TIFF...).
    public var format: ImageFormat?

    public init(width: Int, height: Int, hasAlpha: Bool, orientation: Int, format: ImageFormat?) {
        self.width = width
        self.height = height
        self.hasAlpha = hasAlpha
        self.orientation = orientation
        self.format = format
    }

    public var pixels: Int { width * height }
    /// The width as shown, after auto-rotation (orientations 5...8 swap the axes).
    public var displayWidth: Int { orientation >= 5 ? height : width }
}

/// The caps on what will be decoded at all: a file over `maxBytes`, or whose header claims more than
/// `maxPixels` (a decompression bomb: a few KB that would decode to gigabytes), is refused before decoding.
public struct ImageLimits: Sendable, Equatable {
    /// 40 MP: a 8000×5000 photo; a camera's full-size JPEG fits, a 100000×100000 claim does not.
    public static let defaultMaxPixels = 40_000_000
    public static let defaultMaxBytes = 16 * 1024 * 1024

    public var maxPixels: Int
    public var maxBytes: Int

    public init(maxPixels: Int = ImageLimits.defaultMaxPixels, maxBytes: Int = ImageLimits.defaultMaxBytes) {
        self.maxPixels = maxPixels
        self.maxBytes = maxBytes
    }
}

/// One variant to make.
public struct ImageVariant: Sendable, Equatable, Hashable {
    public var format: ImageFormat
    /// Fit inside this width (never enlarged); nil keeps the width.
    public var width: Int?
    public var quality: Int

    public init(format: ImageFormat, width: Int?, quality: Int? = nil) {
        self.format = format
        self.width = width
        self.quality = quality ?? format.defaultQuality
    }
}

public struct TranscodedImage: Sendable {
    public var bytes: [UInt8]
    public var format: ImageFormat
    public var width: Int
    public var height: Int
}

public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not an image libvips can read, or one it cannot decode or encode (corrupt, truncated).
    case unreadable(String)
    /// An image format Perfwatch does not transform (GIF, SVG, ...).
    case unsupported
    case tooManyBytes(bytes: Int, limit: Int)
    case tooManyPixels(width: Int, height: Int, limit: Int)

    public var description: String {
        switch self {
        case .unreadable(let reason): "cannot decode: \(reason)"
        case .unsupported: "not a JPEG, PNG, WebP or AVIF image"
        case .tooManyBytes(let bytes, let limit): "\(bytes) bytes, over the limit of \(limit)"
        case .tooManyPixels(let width, let height, let limit): "\(width)×\(height) pixels, over the limit of \(limit)"
        }
    }
}

/// libvips behind Swift: the only code that calls CVips, and so the one place that frees what libvips
/// allocates. libvips starts once per process (`ImageTranscoder.start`) with its own thread pool at one
/// thread per operation and its operation cache off (docs/images.md): callers run as many transcodes at
/// once as they have cores for, each on a thread of their own, and cache whole answers themselves.
public enum ImageTranscoder {
    /// The encoder effort: WebP's default (4 of 0...6); AVIF at 2 of 0...9, measured on this machine
    /// at 2725×2225 → 720 px: effort 4 took 3.6× as long as 2 for 2% fewer bytes (docs/images.md).
    static let webpEffort: Int32 = 4
    static let avifEffort: Int32 = 2

    private static let started: Result<Void, ImageError> = {
        var error = [CChar](repeating: 0, count: 512)
        guard pw_vips_start(1, &error, error.count) == 0 else { return .failure(.unreadable(text(error))) }
        return .success(())
    }()

    /// Starts libvips (once; later calls return at once). Throws when libvips cannot start.
    public static func start() throws(ImageError) {
        try started.get()
    }

    /// The header, without decoding pixels.
    public static func probe(_ bytes: [UInt8]) throws(ImageError) -> ImageInfo {
        try start()
        var info = pw_vips_info()
        var error = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBytes { pw_vips_probe($0.baseAddress, $0.count, &info, &error, error.count) }
        guard status == 0 else { throw .unreadable(text(error)) }
        return ImageInfo(
            width: Int(info.width), height: Int(info.height), hasAlpha: info.has_alpha != 0, orientation: Int(info.orientation),
            format: format(info.format))
    }

    /// Checks the limits on the header, then decodes, auto-rotates, shrinks to `variant.width` (never
    /// enlarging) and encodes with metadata stripped.
    public static func transcode(_ bytes: [UInt8], to variant: ImageVariant, limits: ImageLimits = ImageLimits()) throws(ImageError) -> TranscodedImage {
        guard bytes.count <= limits.maxBytes else { throw .tooManyBytes(bytes: bytes.count, limit: limits.maxBytes) }
        let info = try probe(bytes)
        guard info.format != nil else { throw .unsupported }
        guard info.pixels <= limits.maxPixels else { throw .tooManyPixels(width: info.width, height: info.height, limit: limits.maxPixels) }
        let width = min(variant.width ?? info.displayWidth, info.displayWidth)
        let effort = variant.format == .avif ? avifEffort : webpEffort
        var out: UnsafeMutableRawPointer?
        var length = 0
        var outWidth: Int32 = 0
        var outHeight: Int32 = 0
        var error = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBytes {
            pw_vips_thumbnail(
                $0.baseAddress, $0.count, Int32(width), vipsFormat(variant.format), Int32(max(1, min(100, variant.quality))), effort,
                &out, &length, &outWidth, &outHeight, &error, error.count)
        }
        guard status == 0, let out else { throw .unreadable(text(error)) }
        defer { pw_vips_free(out) }
        let encoded = [UInt8](UnsafeRawBufferPointer(start: out, count: length))
        return TranscodedImage(bytes: encoded, format: variant.format, width: Int(outWidth), height: Int(outHeight))
    }

    /// Bytes libvips holds now, and its high-water mark since the process started.
    public static var trackedBytes: (now: Int, highWater: Int) { (pw_vips_tracked_bytes(), pw_vips_tracked_highwater()) }

    /// A NUL-terminated C message as a Swift string.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func format(_ code: Int32) -> ImageFormat? {
        switch code {
        case Int32(PW_VIPS_JPEG.rawValue): .jpeg
        case Int32(PW_VIPS_PNG.rawValue): .png
        case Int32(PW_VIPS_WEBP.rawValue): .webp
        case Int32(PW_VIPS_AVIF.rawValue): .avif
        default: nil
        }
    }

    static func vipsFormat(_ format: ImageFormat) -> pw_vips_format {
        switch format {
        case .jpeg: PW_VIPS_JPEG
        case .png: PW_VIPS_PNG
        case .webp: PW_VIPS_WEBP
        case .avif: PW_VIPS_AVIF
        }
    }
}
