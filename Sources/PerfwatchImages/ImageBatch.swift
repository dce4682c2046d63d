public import Foundation

/// `perfwatch images optimize`: every variant (format × width) of every image under a directory,
/// written under another with the same relative paths (`photos/a.jpg` → `photos/a-640.avif`), and
/// what each saved. A file that cannot be decoded is listed, never fatal.
public struct ImageBatch: Sendable {
    public var formats: [ImageFormat]
    public var widths: [Int]
    /// JPEG and WebP quality; nil: each format's default (docs/images.md).
    public var quality: Int?
    public var avifQuality: Int?
    public var limits: ImageLimits

    public init(formats: [ImageFormat], widths: [Int], quality: Int? = nil, avifQuality: Int? = nil, limits: ImageLimits = ImageLimits()) {
        self.formats = formats
        self.widths = widths
        self.quality = quality
        self.avifQuality = avifQuality
        self.limits = limits
    }

    public struct Written: Sendable {
        /// Relative to the input directory.
        public var source: String
        /// Relative to the output directory.
        public var output: String
        public var variant: ImageVariant
        public var sourceBytes: Int
        public var bytes: Int
        public var width: Int
        public var height: Int
        /// The requested width was above the image's own: it kept its width (never enlarged).
        public var keptWidth: Bool
    }

    public struct Failure: Error, Sendable {
        public var source: String
        public var reason: String
    }

    public struct Outcome: Sendable {
        public var written: [Written]
        public var failures: [Failure]
        /// Source files decoded, with their sizes.
        public var sources: [String: Int]
    }

    /// Quality for a format: `avifQuality` for AVIF, `quality` for JPEG and WebP, else the default.
    func quality(for format: ImageFormat) -> Int {
        switch format {
        case .avif: avifQuality ?? format.defaultQuality
        case .png: format.defaultQuality
        default: quality ?? format.defaultQuality
        }
    }

    /// The regular files under `input`, relative, sorted; hidden ones (`.DS_Store`) skipped.
    public static func files(under input: URL) throws -> [String] {
        let keys: [URLResourceKey] = [.isRegularFileKey]
        guard let walker = FileManager.default.enumerator(at: input, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles]) else {
            return []
        }
        let base = input.standardizedFileURL.path
        var found: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: Set(keys)).isRegularFile) == true {
            let path = url.standardizedFileURL.path
            found.append(path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : url.lastPathComponent)
        }
        return found.sorted()
    }

    /// Runs the files on every core at once (libvips runs each operation on one thread).
    public func run(input: URL, output: URL) throws -> Outcome {
        try ImageTranscoder.start()
        let files = try Self.files(under: input)
        let results = UnsafeResults(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            results.set(index, optimize(files[index], input: input, output: output))
        }
        var outcome = Outcome(written: [], failures: [], sources: [:])
        for (index, result) in results.values.enumerated() {
            switch result {
            case .success(let (bytes, written)):
                outcome.sources[files[index]] = bytes
                outcome.written += written
            case .failure(let failure):
                outcome.failures.append(failure)
            case nil:
                break
            }
        }
        return outcome
    }

    func optimize(_ relative: String, input: URL, output: URL) -> Result<(Int, [Written]), Failure> {
        let source = input.appendingPathComponent(relative)
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: source)) } catch {
            return .failure(Failure(source: relative, reason: "cannot read: \(error.localizedDescription)"))
        }
        let info: ImageInfo
        do {
            info = try ImageTranscoder.probe(bytes)
            guard info.format != nil else { throw ImageError.unsupported }
        } catch {
            return .failure(Failure(source: relative, reason: "\(error)"))
        }
        let stem = (relative as NSString).deletingPathExtension
        var written: [Written] = []
        for format in formats {
            for width in widths {
                let variant = ImageVariant(format: format, width: width, quality: quality(for: format))
                let image: TranscodedImage
                do { image = try ImageTranscoder.transcode(bytes, to: variant, limits: limits) } catch {
                    return .failure(Failure(source: relative, reason: "\(error)"))
                }
                let name = "\(stem)-\(width).\(format.fileExtension)"
                let target = output.appendingPathComponent(name)
                do {
                    try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(image.bytes).write(to: target)
                } catch {
                    return .failure(Failure(source: relative, reason: "cannot write \(target.path): \(error.localizedDescription)"))
                }
                written.append(
                    Written(
                        source: relative, output: name, variant: variant, sourceBytes: bytes.count, bytes: image.bytes.count, width: image.width,
                        height: image.height, keptWidth: width > info.displayWidth))
            }
        }
        return .success((bytes.count, written))
    }

    /// The report: a row per file written, totals per variant over every decoded file, then the files
    /// that could not be decoded.
    public static func report(_ outcome: Outcome) -> String {
        var lines: [String] = []
        let rows = outcome.written.map { written -> [String] in
            [
                written.source, written.output, "\(written.width)×\(written.height)" + (written.keptWidth ? " (kept)" : ""),
                grouped(written.sourceBytes), grouped(written.bytes), saved(before: written.sourceBytes, after: written.bytes),
            ]
        }
        lines += table(header: ["file", "written", "size", "bytes before", "bytes after", "saved"], rows: rows, figuresFrom: 3)
        let sourceTotal = outcome.sources.values.reduce(0, +)
        var totals: [String: (variant: ImageVariant, bytes: Int)] = [:]
        for written in outcome.written {
            let key = "\(written.variant.format.rawValue) \(written.variant.width ?? 0)"
            totals[key, default: (written.variant, 0)].bytes += written.bytes
        }
        let ordered = totals.values.sorted { ($0.variant.format, $0.variant.width ?? 0) < ($1.variant.format, $1.variant.width ?? 0) }
        if !ordered.isEmpty {
            lines.append("")
            lines.append("total over \(outcome.sources.count) file(s), \(grouped(sourceTotal)) bytes before:")
            lines += table(
                header: ["variant", "bytes before", "bytes after", "saved"],
                rows: ordered.map {
                    ["\($0.variant.format.rawValue) \($0.variant.width.map { "\($0) px" } ?? "")", grouped(sourceTotal), grouped($0.bytes),
                     saved(before: sourceTotal, after: $0.bytes)]
                }, figuresFrom: 1)
        }
        if !outcome.failures.isEmpty {
            lines.append("")
            lines.append("not optimized (\(outcome.failures.count)):")
            for failure in outcome.failures.sorted(by: { $0.source < $1.source }) { lines.append("  \(failure.source): \(failure.reason)") }
        }
        return lines.joined(separator: "\n")
    }

    static func saved(before: Int, after: Int) -> String {
        guard before > 0 else { return "-" }
        let percent = 100 * Double(before - after) / Double(before)
        return String(format: "%.1f%%", percent)
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return String(out.reversed())
    }

    /// Left-aligned text columns, then right-aligned figures from column `figuresFrom` on.
    static func table(header: [String], rows: [[String]], figuresFrom: Int) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                let cell = row[column]
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column >= figuresFrom ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }
}

/// Slots written from `concurrentPerform`'s threads, each index by one thread only.
private final class UnsafeResults: @unchecked Sendable {
    var values: [Result<(Int, [ImageBatch.Written]), ImageBatch.Failure>?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<(Int, [ImageBatch.Written]), ImageBatch.Failure>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
}
