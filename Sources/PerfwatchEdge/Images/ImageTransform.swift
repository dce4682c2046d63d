import Foundation
import NIOPosix
public import PerfwatchEdgePolicy
import PerfwatchImages
import Synchronization

/// The edge's image step (docs/images.md): an image response in the format the request accepts
/// (`ImageAccept`), fitted to the width `?w=` asks for (`ImageRule.width(forTarget:)`), by libvips on a
/// thread pool of its own (never on an event loop or the Swift concurrency pool: one transcode takes
/// tens of milliseconds of CPU). At most `jobs` run at once and `queue` wait; past that the original is
/// sent, uncacheable, and counted. An image that cannot be decoded, or is over the rule's caps, is sent
/// as it came, and counted.
public final class ImageTransform: Sendable {
    let jobs: Int
    let queue: Int
    private let pool: NIOThreadPool
    private let admitted = Atomic<Int>(0)
    private let counts = Mutex(ImageStatistics())

    public init(jobs: Int, queue: Int) {
        self.jobs = max(1, jobs)
        self.queue = max(0, queue)
        pool = NIOThreadPool(numberOfThreads: self.jobs)
        pool.start()
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    public var statistics: ImageStatistics { counts.withLock { $0 } }

    /// The response to send for `request` under `rule`.
    public func apply(to response: EdgeResponse, request: EdgeRequest, rule: ImageRule) async -> EdgeResponse {
        guard let source = Self.candidate(response, request: request) else { return response }
        var result = response
        result.setHeader("vary", ResponseCompression.mergedVary(response.header("vary"), adding: "Accept"))
        guard response.body.count <= rule.maxBytes else {
            counts.withLock { $0.tooLarge += 1 }
            return result
        }
        let format = ImageAccept.choose(request.header("accept"), offered: rule.formats) ?? source
        let width: Int?
        if case .width(let chosen) = rule.width(forTarget: request.target) { width = chosen } else { width = rule.defaultWidth }
        let variant = ImageVariant(format: format, width: width, quality: format == .avif ? rule.avifQuality : rule.quality)
        let limits = ImageLimits(maxPixels: rule.maxPixels, maxBytes: rule.maxBytes)

        guard admitted.wrappingAdd(1, ordering: .relaxed).newValue <= jobs + queue else {
            admitted.wrappingSubtract(1, ordering: .relaxed)
            counts.withLock { $0.busy += 1 }
            // Sent, but kept by no cache: the next request gets the variant.
            result.setHeader("cache-control", "no-store")
            return result
        }
        defer { admitted.wrappingSubtract(1, ordering: .relaxed) }
        let body = response.body
        let outcome: Result<TranscodedImage, ImageError>
        do {
            outcome = try await pool.runIfActive { () -> Result<TranscodedImage, ImageError> in
                do throws(ImageError) { return .success(try ImageTranscoder.transcode(body, to: variant, limits: limits)) } catch {
                    return .failure(error)
                }
            }
        } catch {
            outcome = .failure(.unreadable("the image pool is shut down"))
        }
        switch outcome {
        case .failure(.tooManyBytes), .failure(.tooManyPixels):
            counts.withLock { $0.tooLarge += 1 }
            return result
        case .failure:
            counts.withLock { $0.undecodable += 1 }
            return result
        case .success(let image) where image.bytes.count >= body.count:
            counts.withLock { $0.notSmaller += 1 }
            return result
        case .success(let image):
            counts.withLock {
                $0.transcoded += 1
                $0.bytesIn += body.count
                $0.bytesOut += image.bytes.count
            }
            result.body = image.bytes
            result.setHeader("content-type", image.format.mediaType)
            result.setHeader("content-length", String(image.bytes.count))
            // The bytes differ, the picture does not: a weak validator (as compression does).
            if let etag = response.header("etag"), !etag.hasPrefix("W/") { result.setHeader("etag", "W/" + etag) }
            return result
        }
    }

    /// The AVIF size of `body` at its own width (up to 1920 px, the largest default width): what the
    /// `edge_images` recommendation estimates from. Only when a transcode slot is free right now — a
    /// sample never waits, and never takes a slot a transform is waiting for.
    public func sampleSize(_ body: [UInt8]) async -> Int? {
        guard admitted.wrappingAdd(1, ordering: .relaxed).newValue <= jobs else {
            admitted.wrappingSubtract(1, ordering: .relaxed)
            return nil
        }
        defer { admitted.wrappingSubtract(1, ordering: .relaxed) }
        let variant = ImageVariant(format: .avif, width: 1920)
        return try? await pool.runIfActive { () -> Int? in
            try? ImageTranscoder.transcode(body, to: variant).bytes.count
        }
    }

    /// The source format when the response is an image this step transforms: a whole 200 to a GET, of a
    /// type it reads, not encoded, not a range, not `no-transform`.
    static func candidate(_ response: EdgeResponse, request: EdgeRequest) -> ImageFormat? {
        guard request.method == "GET", response.status == 200, response.header("content-range") == nil,
              (response.header("content-encoding") ?? "identity").trimmingCharacters(in: .whitespaces).lowercased() == "identity",
              !CacheDirectives(cacheControl: response.header("cache-control")).noTransform,
              let type = response.header("content-type")
        else { return nil }
        return ImageFormat(mediaType: type)
    }
}
