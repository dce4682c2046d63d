import ArgumentParser
import Foundation
import PerfwatchImages

/// `perfwatch images optimize`: AVIF/WebP/JPEG variants of a directory of images (docs/images.md).
struct ImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Make optimized image variants (AVIF, WebP, JPEG at several widths) with libvips.",
        subcommands: [Optimize.self])

    struct Optimize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "optimize",
            abstract: "Write every variant of every image under DIR to --out, and print the bytes each saved.",
            discussion: """
                Variants are fitted inside each width (never enlarged), auto-rotated by EXIF, stripped of \
                metadata, and named after the source: photos/a.jpg → photos/a-640.avif. Files that cannot \
                be decoded are listed at the end; they do not stop the run.

                Examples:
                  perfwatch images optimize public/img --out public/img-optimized
                  perfwatch images optimize photos --out out --formats avif,webp \\
                      --widths 320,640 --quality 75

                Exit codes: 0 done (even with files listed as not optimized), 2 bad arguments or unreadable DIR.
                """)

        @Argument(help: "The directory of images (read recursively).")
        var directory: String

        @Option(help: "Where to write the variants (created if missing).")
        var out: String

        @Option(help: "Formats to write, comma-separated: avif, webp, jpeg, png.")
        var formats = "avif,webp,jpeg"

        @Option(help: "Widths in pixels, comma-separated.")
        var widths = "640,1280,1920"

        @Option(help: "JPEG and WebP quality, 1-100 (default 80).")
        var quality: Int?

        @Option(help: "AVIF quality, 1-100 (default 60: AVIF's scale is steeper; docs/images.md).")
        var avifQuality: Int?

        /// ArgumentParser calls this while parsing: a bad argument is reported with this command's usage.
        func validate() throws {
            _ = try validated()
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("\(directory) is not a directory")
            }
        }

        func run() throws {
            let batch = try validated()
            let input = URL(fileURLWithPath: directory)
            let outcome: ImageBatch.Outcome
            do {
                outcome = try batch.run(input: input, output: URL(fileURLWithPath: out))
            } catch {
                throw ValidationError("cannot read \(directory): \(error)")
            }
            print(ImageBatch.report(outcome))
        }

        func validated() throws -> ImageBatch {
            var parsedFormats: [ImageFormat] = []
            for name in formats.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                guard let format = ImageFormat(name: name) else {
                    throw ValidationError("--formats: unknown format \"\(name)\"; valid: avif, webp, jpeg, png")
                }
                if !parsedFormats.contains(format) { parsedFormats.append(format) }
            }
            guard !parsedFormats.isEmpty else { throw ValidationError("--formats: at least one of avif, webp, jpeg, png") }
            var parsedWidths: [Int] = []
            for text in widths.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !text.isEmpty {
                guard let width = Int(text), (1...16_384).contains(width) else {
                    throw ValidationError("--widths: \"\(text)\" is not a width in pixels (1-16384)")
                }
                if !parsedWidths.contains(width) { parsedWidths.append(width) }
            }
            guard !parsedWidths.isEmpty else { throw ValidationError("--widths: at least one width") }
            for (flag, value) in [("--quality", quality), ("--avif-quality", avifQuality)] {
                if let value, !(1...100).contains(value) { throw ValidationError("\(flag): \(value) is not 1-100") }
            }
            return ImageBatch(formats: parsedFormats, widths: parsedWidths.sorted(), quality: quality, avifQuality: avifQuality)
        }
    }
}
