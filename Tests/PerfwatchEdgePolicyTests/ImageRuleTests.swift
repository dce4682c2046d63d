import PerfwatchConfig
import PerfwatchEdgePolicy
import PerfwatchModel
import Testing

/// Image rules in the edge policy (issue 17): the issue's own form reads, the wire form reads back,
/// bad rules are refused with file, line and field, `?w=` maps to an allowed width.
@Suite("Edge policy: image rules")
struct ImageRuleTests {
    static func parse(_ yaml: String) throws(ConfigError) -> EdgePolicy {
        try EdgePolicy.parse(ConfigNode.parseYAML(yaml, file: "edge.yml"))
    }

    @Test("the issue's form `images: [{match: \"/img/*\", formats: [avif, webp], widths: [320, 640, 1280]}]` reads with defaults, and round-trips")
    func reads() throws {
        let policy = try Self.parse("images: [{match: \"/img/*\", formats: [avif, webp], widths: [1280, 320, 640]}]")
        let rule = try #require(policy.images.first)
        #expect(rule == ImageRule(match: "/img/*", formats: ["avif", "webp"], widths: [320, 640, 1280]))
        #expect(rule.quality == 80 && rule.avifQuality == 60 && rule.badWidth == .nearest && rule.defaultWidth == nil)
        let full = try Self.parse("""
            images:
              - {match: /products/:id/photo, formats: [webp], widths: [480], default_width: 480, bad_width: reject,
                 quality: 70, avif_quality: 50, max_pixels: 1000000, max_bytes: 2000000, ttl: 10m}
            """)
        #expect(try EdgePolicy.parse(json: full.jsonBytes(), what: "policy") == full)
        #expect(full.images[0].ttlMs == 600_000 && full.images[0].maxPixels == 1_000_000)
        #expect(full.imageRule(forRoute: "/products/:id/photo", path: "/products/7/photo", method: "GET") != nil)
        #expect(full.imageRule(forRoute: "/products/:id/photo", path: "/products/7/photo", method: "POST") == nil)
        #expect(policy.imageRule(forRoute: "/img/a.jpg", path: "/img/a.jpg", method: "HEAD")?.match == "/img/*")
    }

    @Test(
        "bad image rules name the file, line, field and problem",
        arguments: [
            ("images: [{match: img}]", "edge.yml:1: images[0].match: a match is a route pattern"),
            ("images: [{match: /img/*, formats: [gif]}]", "unknown format \"gif\"; valid: avif, webp"),
            ("images: [{match: /img/*, widths: []}]", "images[0].widths: a list of at least one width"),
            ("images: [{match: /img/*, widths: [0]}]", "images[0].widths[0]"),
            ("images: [{match: /img/*, widths: [99999]}]", "a width is 1...16384 pixels"),
            ("images: [{match: /img/*, quality: 101}]", "images[0].quality: a quality is 1...100"),
            ("images: [{match: /img/*, bad_width: round}]", "unknown bad_width \"round\"; valid: nearest, reject"),
            ("images: [{match: /img/*, size: 3}]", "unknown key \"size\""),
        ])
    func refused(text: String, expected: String) throws {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test("?w= picks an allowed width: exact, nearest (the larger on a tie), refused with bad_width: reject, the default without w")
    func widths() {
        let rule = ImageRule(match: "/img/*", widths: [320, 640, 1280], defaultWidth: 640)
        #expect(rule.width(forTarget: "/img/a.jpg?w=320") == .width(320))
        #expect(rule.width(forTarget: "/img/a.jpg?x=1&w=1000") == .width(1280))
        #expect(rule.width(forTarget: "/img/a.jpg?w=480") == .width(640))
        #expect(rule.width(forTarget: "/img/a.jpg?w=5") == .width(320))
        #expect(rule.width(forTarget: "/img/a.jpg") == .width(640))
        #expect(rule.width(forTarget: "/img/a.jpg?v=2") == .width(640))
        guard case .refused(let reason) = rule.width(forTarget: "/img/a.jpg?w=-3") else { Issue.record("negative accepted"); return }
        #expect(reason.contains("w=-3 is not a width in pixels; allowed: 320, 640, 1280"))
        var strict = rule
        strict.badWidth = .reject
        #expect(strict.width(forTarget: "/img/a.jpg?w=480") == .refused("w=480 is not an allowed width for /img/*; allowed: 320, 640, 1280"))
        #expect(strict.width(forTarget: "/img/a.jpg?w=640") == .width(640))
    }

    @Test("an image change upserts by match, merges server over local, and reverts to what was there")
    func change() throws {
        let local = EdgePolicy(images: [ImageRule(match: "/img/*", formats: ["webp"])])
        let change = EdgePolicyChange(images: [ImageRule(match: "/img/*", formats: ["avif", "webp"]), ImageRule(match: "/photos/*")])
        #expect(change.summary == "serve /img/* as avif, webp at 640, 1280, 1920 px; serve /photos/* as avif, webp at 640, 1280, 1920 px")
        let applied = change.applied(to: local, version: 2)
        #expect(applied.images.map(\.formats) == [["avif", "webp"], ["avif", "webp"]])
        let reverted = change.reverted(in: applied, previous: local, version: 3)
        #expect(reverted.images == local.images)
        #expect(try EdgePolicyChange.parse(json: change.jsonBytes(), what: "change") == change)
        let merged = EdgePolicy(version: 4, images: [ImageRule(match: "/photos/*")]).merged(over: local)
        #expect(merged.images.map(\.match) == ["/photos/*", "/img/*"])
    }
}
