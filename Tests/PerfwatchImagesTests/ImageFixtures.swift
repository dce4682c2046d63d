import Foundation

/// The images made for the tests by scripts/make_image_fixtures.sh (Tests/fixtures/images).
enum ImageFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/images")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Whether an encoded file still carries an EXIF block (JPEG APP1 "Exif\0\0", WebP "EXIF" chunk,
    /// HEIF "Exif" item).
    static func hasExif(_ bytes: [UInt8]) -> Bool {
        let marker = Array("Exif".utf8)
        let chunk = Array("EXIF".utf8)
        guard bytes.count >= 4 else { return false }
        for index in 0...(bytes.count - 4) {
            let window = bytes[index..<index + 4]
            if window.elementsEqual(marker) || window.elementsEqual(chunk) { return true }
        }
        return false
    }
}
