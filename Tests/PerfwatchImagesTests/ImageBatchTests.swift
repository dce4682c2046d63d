import Foundation
import PerfwatchImages
import PerfwatchTesting
import Testing

@Suite("images: perfwatch images optimize (a directory of variants and the bytes they save)")
struct ImageBatchTests {
    @Test("every format × width of every image is written under --out with the source's relative path; undecodable files are listed, not fatal")
    func directory() async throws {
        try await withTemporaryDirectory { root in
            let input = URL(fileURLWithPath: root).appendingPathComponent("in")
            let output = URL(fileURLWithPath: root).appendingPathComponent("out")
            try FileManager.default.createDirectory(at: input.appendingPathComponent("shop"), withIntermediateDirectories: true)
            for (name, target) in [("photo.jpg", "shop/photo.jpg"), ("alpha.png", "alpha.png"), ("corrupt.jpg", "corrupt.jpg"), ("not-an-image.jpg", "notes.jpg")] {
                try Data(ImageFixtures.bytes(name)).write(to: input.appendingPathComponent(target))
            }
            let batch = ImageBatch(formats: [.avif, .webp], widths: [320, 2000])
            let outcome = try batch.run(input: input, output: output)
            #expect(outcome.written.count == 8)
            #expect(Set(outcome.failures.map(\.source)) == ["corrupt.jpg", "notes.jpg"])
            for name in ["shop/photo-320.avif", "shop/photo-2000.webp", "alpha-320.webp", "alpha-2000.avif"] {
                #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "\(name)")
            }
            let large = try ImageTranscoder.probe([UInt8](try Data(contentsOf: output.appendingPathComponent("shop/photo-2000.webp"))))
            #expect(large.width == 1600, "never enlarged")
            let report = ImageBatch.report(outcome)
            #expect(report.contains("shop/photo.jpg  shop/photo-320.avif"))
            #expect(report.contains("1600×1000 (kept)"))
            #expect(report.contains("total over 2 file(s)"))
            #expect(report.contains("not optimized (2):") && report.contains("notes.jpg: cannot decode"))
            let photoBytes = try ImageFixtures.bytes("photo.jpg").count
            let row = outcome.written.first { $0.output == "shop/photo-320.avif" }
            #expect(row?.sourceBytes == photoBytes && (row?.bytes ?? .max) < photoBytes / 10)
        }
    }
}
