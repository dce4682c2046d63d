/// The formats Perfwatch reads and writes images in, with what HTTP and file names call them.
public enum ImageFormat: String, Sendable, CaseIterable, Comparable {
    case jpeg, png, webp, avif

    /// `Content-Type`.
    public var mediaType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .avif: "image/avif"
        }
    }

    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .webp: "webp"
        case .avif: "avif"
        }
    }

    /// The quality used when none is given: 80 for JPEG and WebP; AVIF's scale is steeper (60 looks
    /// like JPEG's 80 at well under half the bytes, docs/images.md); PNG is lossless.
    public var defaultQuality: Int {
        switch self {
        case .avif: 60
        default: 80
        }
    }

    /// A media type without parameters (`image/jpeg`, also `image/jpg`), case-insensitively.
    public init?(mediaType: String) {
        let essence = mediaType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingWhitespace.lowercased() } ?? ""
        switch essence {
        case "image/jpeg", "image/jpg", "image/pjpeg": self = .jpeg
        case "image/png": self = .png
        case "image/webp": self = .webp
        case "image/avif": self = .avif
        default: return nil
        }
    }

    /// A name as people write it (`jpeg`, `jpg`, `png`, `webp`, `avif`), case-insensitively.
    public init?(name: String) {
        switch name.lowercased() {
        case "jpeg", "jpg": self = .jpeg
        case "png": self = .png
        case "webp": self = .webp
        case "avif": self = .avif
        default: return nil
        }
    }

    /// Preference when several are allowed: AVIF, then WebP, then JPEG, then PNG.
    public static func < (lhs: ImageFormat, rhs: ImageFormat) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .avif: 0
        case .webp: 1
        case .jpeg: 2
        case .png: 3
        }
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
