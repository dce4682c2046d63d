import PerfwatchImages

/// Image bodies the edge decodes (issue 17): whatever an upstream sends as image/jpeg or image/png
/// goes through libvips' loaders. The caps are small so one input stays fast; a decode failure is an
/// answer (the edge passes the original on), a crash is not.
extension FuzzTarget {
    static let imageTargets: [FuzzTarget] = [
        FuzzTarget(name: "images") { input in
            _ = try? ImageTranscoder.probe(input)
            _ = try? ImageTranscoder.transcode(
                input, to: ImageVariant(format: .webp, width: 32), limits: ImageLimits(maxPixels: 1_000_000, maxBytes: 1 << 20))
        }
    ]
}
