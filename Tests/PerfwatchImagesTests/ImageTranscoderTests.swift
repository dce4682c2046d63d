import Foundation
import PerfwatchImages
import Testing

@Suite("images: libvips transcoding (real JPEG, PNG and broken files)")
struct ImageTranscoderTests {
    @Test("the header is read without decoding: sizes, alpha, EXIF orientation, format")
    func probe() throws {
        let photo = try ImageTranscoder.probe(ImageFixtures.bytes("photo.jpg"))
        #expect(photo == ImageInfo(width: 1600, height: 1000, hasAlpha: false, orientation: 1, format: .jpeg))
        let rotated = try ImageTranscoder.probe(ImageFixtures.bytes("rotated.jpg"))
        #expect(rotated.orientation == 6 && rotated.displayWidth == 300)
        let alpha = try ImageTranscoder.probe(ImageFixtures.bytes("alpha.png"))
        #expect(alpha.hasAlpha && alpha.format == .png)
        let bomb = try ImageTranscoder.probe(ImageFixtures.bytes("bomb.png"))
        #expect(bomb.width == 100_000 && bomb.height == 100_000)
    }

    @Test("each format at a width: right type, fitted inside the width, aspect kept, EXIF gone, fewer bytes", arguments: ImageFormat.allCases)
    func variants(format: ImageFormat) throws {
        let source = try ImageFixtures.bytes("photo.jpg")
        #expect(ImageFixtures.hasExif(source))
        let image = try ImageTranscoder.transcode(source, to: ImageVariant(format: format, width: 640))
        #expect(image.format == format && image.width == 640 && image.height == 400)
        let info = try ImageTranscoder.probe(image.bytes)
        #expect(info.format == format && info.width == 640 && info.height == 400)
        #expect(!ImageFixtures.hasExif(image.bytes), "metadata is stripped")
        if format != .png { #expect(image.bytes.count < source.count / 4, "\(format): \(image.bytes.count) of \(source.count) bytes") }
    }

    @Test("never enlarged: a width above the image's own keeps its own")
    func neverEnlarged() throws {
        let image = try ImageTranscoder.transcode(ImageFixtures.bytes("photo.jpg"), to: ImageVariant(format: .webp, width: 4000))
        #expect(image.width == 1600 && image.height == 1000)
    }

    @Test("EXIF orientation 6 is applied: 400×300 stored pixels come out 300×400, and the tag is gone")
    func autoRotated() throws {
        let image = try ImageTranscoder.transcode(ImageFixtures.bytes("rotated.jpg"), to: ImageVariant(format: .jpeg, width: nil))
        #expect(image.width == 300 && image.height == 400)
        let info = try ImageTranscoder.probe(image.bytes)
        #expect(info.orientation == 1 && info.width == 300 && info.height == 400)
        let fitted = try ImageTranscoder.transcode(ImageFixtures.bytes("rotated.jpg"), to: ImageVariant(format: .webp, width: 150))
        #expect(fitted.width == 150 && fitted.height == 200)
    }

    @Test("a PNG with alpha keeps it in WebP and AVIF; JPEG, which has none, gets it flattened")
    func alpha() throws {
        let source = try ImageFixtures.bytes("alpha.png")
        for format in [ImageFormat.webp, .avif] {
            let image = try ImageTranscoder.transcode(source, to: ImageVariant(format: format, width: 320))
            #expect(try ImageTranscoder.probe(image.bytes).hasAlpha, "\(format)")
        }
        let jpeg = try ImageTranscoder.transcode(source, to: ImageVariant(format: .jpeg, width: 320))
        #expect(try !ImageTranscoder.probe(jpeg.bytes).hasAlpha)
    }

    @Test("bad input is refused with the reason: corrupt, not an image, a decompression bomb, too many bytes")
    func refusals() throws {
        let variant = ImageVariant(format: .webp, width: 320)
        #expect(throws: ImageError.self) { try ImageTranscoder.transcode(ImageFixtures.bytes("corrupt.jpg"), to: variant) }
        let text = try ImageFixtures.bytes("not-an-image.jpg")
        do throws(ImageError) {
            _ = try ImageTranscoder.transcode(text, to: variant)
            Issue.record("text decoded as an image")
        } catch {
            guard case .unreadable = error else { Issue.record("\(error)"); return }
        }
        let started = ContinuousClock.now
        #expect(throws: ImageError.tooManyPixels(width: 100_000, height: 100_000, limit: ImageLimits.defaultMaxPixels)) {
            try ImageTranscoder.transcode(ImageFixtures.bytes("bomb.png"), to: variant)
        }
        // Refused from the header: decoding 10^10 pixels would take minutes and 30 GB.
        #expect(ContinuousClock.now - started < .seconds(2))
        let photo = try ImageFixtures.bytes("photo.jpg")
        #expect(throws: ImageError.tooManyBytes(bytes: photo.count, limit: 1000)) {
            try ImageTranscoder.transcode(photo, to: variant, limits: ImageLimits(maxBytes: 1000))
        }
        #expect(throws: ImageError.tooManyPixels(width: 1600, height: 1000, limit: 1_000_000)) {
            try ImageTranscoder.transcode(photo, to: variant, limits: ImageLimits(maxPixels: 1_000_000))
        }
    }

    @Test("media types and names map to formats; AVIF is preferred over WebP over JPEG")
    func formats() {
        #expect(ImageFormat(mediaType: "image/jpeg; charset=x") == .jpeg && ImageFormat(mediaType: "IMAGE/AVIF") == .avif)
        #expect(ImageFormat(mediaType: "image/gif") == nil && ImageFormat(name: "jpg") == .jpeg)
        #expect([ImageFormat.jpeg, .webp, .avif].min() == .avif)
    }
}
