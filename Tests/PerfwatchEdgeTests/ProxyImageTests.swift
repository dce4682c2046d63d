import Foundation
import NIOHTTP1
import PerfwatchEdge
import PerfwatchEdgePolicy
import PerfwatchImages
import PerfwatchModel
import Testing

/// The image step through the running edge, with the real cache and libvips, over the images made for
/// the tests (Tests/fixtures/images).
@Suite("edge proxy: image transforms (AVIF/WebP by Accept, widths, cache, pass-through of what it cannot transform)")
struct ProxyImageTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/images")

    static func fixture(_ name: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: fixtures.appendingPathComponent(name)))) ?? []
    }

    /// Serves /img/NAME from the fixtures as image/jpeg or image/png (whatever they hold), /img/page.txt as text.
    static func imageUpstream() async throws -> ScriptedUpstream {
        try await ScriptedUpstream.start { request in
            let path = String(request.uri.prefix { $0 != "?" })
            let name = String(path.split(separator: "/").last ?? "")
            if name == "page.txt" { return .respond(status: 200, headers: [("Content-Type", "text/plain")], body: Array("hello".utf8)) }
            let type = name.hasSuffix(".png") ? "image/png" : "image/jpeg"
            // Revalidation (weak comparison, RFC 9110 §13.1.2): a 304 that repeats the original's type and strong ETag.
            if request.header("if-none-match")?.replacingOccurrences(of: "W/", with: "") == "\"\(name)\"" {
                return .respond(status: 304, headers: [("Content-Type", type), ("ETag", "\"\(name)\"")])
            }
            return .respond(status: 200, headers: [("Content-Type", type), ("ETag", "\"\(name)\"")], body: fixture(name))
        }
    }

    struct Edge {
        let edge: RunningEdge
        let upstream: ScriptedUpstream
        let images: ImageTransform
        func stop() async {
            await edge.stop()
            await upstream.stop()
            await images.shutdown()
        }
    }

    static func start(_ rule: ImageRule = ImageRule(match: "/img/*", widths: [320, 640, 1280]), jobs: Int = 2, queue: Int = 8) async throws -> Edge {
        let upstream = try await imageUpstream()
        let images = ImageTransform(jobs: jobs, queue: queue)
        let cache = ResponseCache(maxBytes: 64 << 20, maxEntryBytes: 8 << 20, clock: TimeParsing.nowMs)
        let edge = try await RunningEdge.start(upstreams: [upstream.url], steps: .live(cache: cache, images: images)) {
            $0.localPolicy.images = [rule]
        }
        return Edge(edge: edge, upstream: upstream, images: images)
    }

    @Test("Accept picks the format: image/avif → AVIF, image/webp → WebP, neither → the original JPEG; each with Vary: Accept")
    func negotiation() async throws {
        let running = try await Self.start()
        defer { Task { await running.stop() } }
        let url = running.edge.url + "/img/photo.jpg?w=640"
        let chrome = try await TestClient.send(url, headers: [("Accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8")])
        let safari = try await TestClient.send(url, headers: [("Accept", "image/webp,image/png,image/*;q=0.8")])
        let curl = try await TestClient.send(url, headers: [("Accept", "*/*")])
        let refusing = try await TestClient.send(url, headers: [("Accept", "image/avif;q=0,image/webp")])
        #expect(chrome.headers.first(name: "content-type") == "image/avif")
        #expect(safari.headers.first(name: "content-type") == "image/webp")
        #expect(curl.headers.first(name: "content-type") == "image/jpeg")
        #expect(refusing.headers.first(name: "content-type") == "image/webp")
        for (answer, format) in [(chrome, ImageFormat.avif), (safari, .webp), (curl, .jpeg)] {
            #expect(answer.status == 200 && answer.headers.first(name: "vary")?.contains("Accept") == true)
            let info = try ImageTranscoder.probe(answer.body)
            #expect(info.format == format && info.width == 640 && info.height == 400, "\(format): \(info)")
            #expect(answer.body.count < Self.fixture("photo.jpg").count / 4)
        }
        #expect(chrome.headers.first(name: "etag") == "W/\"photo.jpg\"")
        #expect(running.images.statistics.transcoded == 3)
    }

    @Test("the second request for a variant is a cache hit (no upstream request, no transcode); another format is its own variant")
    func cached() async throws {
        let running = try await Self.start()
        defer { Task { await running.stop() } }
        let url = running.edge.url + "/img/photo.jpg?w=320"
        let first = try await TestClient.send(url, headers: [("Accept", "image/webp")])
        let second = try await TestClient.send(url, headers: [("Accept", "image/webp,*/*")])
        #expect(first.headers.first(name: "x-cache") == "MISS" && second.headers.first(name: "x-cache") == "HIT")
        #expect(first.body == second.body && second.headers.first(name: "content-type") == "image/webp")
        let avif = try await TestClient.send(url, headers: [("Accept", "image/avif")])
        #expect(avif.headers.first(name: "x-cache") == "MISS" && avif.headers.first(name: "content-type") == "image/avif")
        #expect(running.upstream.requests.count == 2)
        #expect(running.images.statistics.transcoded == 2)
    }

    @Test("a reload revalidates the variant: the upstream's 304 (which names the JPEG original) refreshes it without changing its type or weak ETag")
    func revalidatedVariantKeepsItsHeaders() async throws {
        let running = try await Self.start()
        defer { Task { await running.stop() } }
        let url = running.edge.url + "/img/photo.jpg?w=640"
        let first = try await TestClient.send(url, headers: [("Accept", "image/avif")])
        let reload = try await TestClient.send(url, headers: [("Accept", "image/avif"), ("Cache-Control", "no-cache")])
        let after = try await TestClient.send(url, headers: [("Accept", "image/avif")])
        #expect(reload.headers.first(name: "x-cache") == "REVALIDATED" && after.headers.first(name: "x-cache") == "HIT")
        for answer in [first, reload, after] {
            #expect(answer.headers.first(name: "content-type") == "image/avif" && answer.headers.first(name: "etag") == "W/\"photo.jpg\"")
            #expect(answer.body == first.body)
        }
        #expect(running.upstream.requests.count == 2 && running.images.statistics.transcoded == 1)
    }

    @Test("widths: ?w= not allowed goes to the nearest allowed one; none keeps the image's width; never enlarged; EXIF rotation applied")
    func widths() async throws {
        let running = try await Self.start()
        defer { Task { await running.stop() } }
        let base = running.edge.url + "/img/"
        let nearest = try await TestClient.send(base + "photo.jpg?w=700", headers: [("Accept", "image/webp")])
        #expect(try ImageTranscoder.probe(nearest.body).width == 640)
        let own = try await TestClient.send(base + "photo.jpg", headers: [("Accept", "image/webp")])
        #expect(try ImageTranscoder.probe(own.body).width == 1600)
        let rotated = try await TestClient.send(base + "rotated.jpg?w=1280", headers: [("Accept", "image/webp")])
        let info = try ImageTranscoder.probe(rotated.body)
        #expect(info.width == 300 && info.height == 400, "rotated and not enlarged: \(info)")
    }

    @Test("bad_width: reject answers 400 naming the allowed widths, before any upstream request; a w that is not a number too")
    func rejectedWidth() async throws {
        let running = try await Self.start(ImageRule(match: "/img/*", widths: [320, 640], badWidth: .reject))
        defer { Task { await running.stop() } }
        let refused = try await TestClient.send(running.edge.url + "/img/photo.jpg?w=700")
        #expect(refused.status == 400 && refused.text.contains("w=700 is not an allowed width for /img/*; allowed: 320, 640"))
        let garbage = try await TestClient.send(running.edge.url + "/img/photo.jpg?w=big")
        #expect(garbage.status == 400 && garbage.text.contains("w=big is not a width in pixels"))
        #expect(running.upstream.requests.isEmpty)
        let fine = try await TestClient.send(running.edge.url + "/img/photo.jpg?w=640", headers: [("Accept", "image/webp")])
        #expect(fine.status == 200)
    }

    @Test("what cannot be transformed passes through as it came, counted: corrupt JPEG, text sent as JPEG, a decompression bomb, over max_bytes")
    func passThrough() async throws {
        let running = try await Self.start(ImageRule(match: "/img/*", widths: [320], maxBytes: 50_000))
        defer { Task { await running.stop() } }
        let accept = [("Accept", "image/avif,image/webp")]
        for name in ["corrupt.jpg", "not-an-image.jpg", "bomb.png", "photo.jpg"] {
            let answer = try await TestClient.send(running.edge.url + "/img/\(name)?w=320", headers: accept)
            #expect(answer.status == 200 && answer.body == Self.fixture(name), "\(name) passed through unchanged")
            #expect(answer.headers.first(name: "content-type") == (name.hasSuffix(".png") ? "image/png" : "image/jpeg"))
        }
        let text = try await TestClient.send(running.edge.url + "/img/page.txt", headers: accept)
        #expect(text.text == "hello" && text.headers.first(name: "vary") == nil)
        let statistics = running.images.statistics
        #expect(statistics.undecodable == 2 && statistics.tooLarge == 2 && statistics.transcoded == 0, "\(statistics)")
    }

    @Test("over the job bound the original is sent with Cache-Control: no-store and counted busy; the next request gets the variant")
    func busy() async throws {
        let running = try await Self.start(jobs: 1, queue: 0)
        defer { Task { await running.stop() } }
        let accept = [("Accept", "image/avif")]
        // 6 different URLs at once: one slot, no queue.
        let answers = try await withThrowingTaskGroup(of: TestClient.Answer.self) { group in
            for width in [320, 640, 1280, 321, 641, 1281] {
                group.addTask { try await TestClient.send(running.edge.url + "/img/photo.jpg?w=\(width)", headers: accept) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let originals = answers.filter { $0.headers.first(name: "content-type") == "image/jpeg" }
        #expect(!originals.isEmpty && originals.allSatisfy { $0.headers.first(name: "cache-control") == "no-store" })
        #expect(running.images.statistics.busy == originals.count)
        let again = try await TestClient.send(running.edge.url + "/img/photo.jpg?w=1280", headers: accept)
        #expect(again.headers.first(name: "content-type") == "image/avif")
    }

    @Test("images sent as they came are sampled one in five for their AVIF size (the edge_images estimate), streamed or buffered; transformed ones are not")
    func sampledForTheRecommendation() async throws {
        let upstream = try await Self.imageUpstream()
        let images = ImageTransform(jobs: 2, queue: 0)
        let cache = ResponseCache(maxBytes: 64 << 20, maxEntryBytes: 8 << 20, clock: TimeParsing.nowMs)
        let sink = CollectingSink()
        let edge = try await RunningEdge.start(upstreams: [upstream.url], sink: sink, steps: .live(cache: cache, images: images)) {
            $0.localPolicy.images = [ImageRule(match: "/img/rule/*")]
        }
        defer { Task { await edge.stop(); await upstream.stop(); await images.shutdown() } }
        // Streamed (no rule): 10 requests, 2 samples.
        for _ in 0..<10 { _ = try await TestClient.send(edge.url + "/img/photo.jpg") }
        var exchanges = await sink.waitFor(10)
        let photo = Self.fixture("photo.jpg").count
        let sampled = exchanges.compactMap(\.avifBytes)
        #expect(sampled.count == 2, "\(exchanges.map(\.avifBytes))")
        #expect(sampled.allSatisfy { $0 > 0 && $0 < photo / 4 })
        #expect(exchanges.allSatisfy { $0.bytesOut == photo })
        // Transformed by a rule: never sampled.
        for _ in 0..<5 { _ = try await TestClient.send(edge.url + "/img/rule/photo.jpg?x=\(Int.random(in: 0..<1_000_000))", headers: [("Accept", "image/webp")]) }
        exchanges = await sink.waitFor(15)
        #expect(exchanges.suffix(5).allSatisfy { $0.avifBytes == nil })
        #expect(images.statistics.transcoded == 5)
    }
}
