@testable import PerfwatchEdge
import PerfwatchEdgePolicy
import PerfwatchGzip
import Testing

@Suite struct CompressionTests {
    static let text = Array(String(repeating: "<li class=\"course\">Swift on the server</li>\n", count: 200).utf8)
    let rule = CompressionRule()

    func response(_ headers: [(name: String, value: String)] = [("Content-Type", "text/html; charset=utf-8")],
                  body: [UInt8] = text, status: Int = 200) -> EdgeResponse {
        EdgeResponse(status: status, headers: headers + [("Content-Length", String(body.count))], body: body)
    }

    func request(accepting: String?) -> EdgeRequest {
        EdgeRequest(method: "GET", target: "/", headers: accepting.map { [("Accept-Encoding", $0)] } ?? [])
    }

    @Test(arguments: ["br", "gzip"])
    func roundTrip(_ coding: String) throws {
        let compressed = ResponseCompression.apply(to: response([("Content-Type", "text/html"), ("ETag", "\"abc\"")]),
                                                   request: request(accepting: coding), rule: rule)
        #expect(compressed.header("content-encoding") == coding)
        #expect(compressed.header("content-length") == String(compressed.body.count))
        #expect(compressed.header("vary") == "Accept-Encoding")
        #expect(compressed.header("etag") == "W/\"abc\"")
        #expect(compressed.body.count < Self.text.count / 5)
        let restored = coding == "br"
            ? try BrotliCodec.decompress(compressed.body, limit: 1 << 20)
            : try GzipInflater.inflate(compressed.body, limit: 1 << 20)
        #expect(restored == Self.text)
    }

    /// Accept-Encoding → the coding chosen among the rule's ["br", "gzip"] (nil = identity).
    @Test(arguments: [
        ("br, gzip", "br"), ("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"),
        ("br;q=0.5, gzip;q=0.8", "gzip"), ("br;q=0.8, gzip;q=0.8", "br"), ("*", "br"), ("*;q=0", nil),
        ("gzip;q=0, *", "br"), ("identity", nil), ("deflate", nil), ("", nil), ("BR", "br"), ("x-gzip", "gzip"),
        ("br;q=bogus, gzip", "gzip"), ("br ; q=1.0 , gzip", "br"),
    ] as [(String, String?)])
    func negotiation(_ header: String, _ expected: String?) {
        #expect(AcceptEncoding.choose(header, offered: ["br", "gzip"]) == expected)
    }

    @Test func theRulesOrderIsThePreferenceOnATie() {
        #expect(AcceptEncoding.choose("br, gzip", offered: ["gzip", "br"]) == "gzip")
        #expect(AcceptEncoding.choose("br", offered: ["gzip"]) == nil)
        #expect(AcceptEncoding.choose(nil, offered: ["br"]) == nil)
    }

    enum Skip: String, CaseIterable {
        case tooSmall, alreadyEncoded, range, partialContent, notModified, otherType, noTransform, noContentType, head
    }

    @Test(arguments: Skip.allCases)
    func leavesTheBodyAlone(_ skip: Skip) {
        var original = response()
        var request = request(accepting: "br, gzip")
        switch skip {
        case .tooSmall: original = response(body: Array("small".utf8))
        case .alreadyEncoded: original.setHeader("content-encoding", "gzip")
        case .range: original.setHeader("content-range", "bytes 0-99/8800")
        case .partialContent: original.status = 206
        case .notModified: original.status = 304
        case .otherType: original.setHeader("content-type", "image/png")
        case .noTransform: original.setHeader("cache-control", "public, no-transform")
        case .noContentType: original.setHeader("content-type", nil)
        case .head: request.method = "HEAD"
        }
        let result = ResponseCompression.apply(to: original, request: request, rule: rule)
        #expect(result.body == original.body)
        #expect(result.header("content-encoding") == original.header("content-encoding"))
    }

    @Test func varyIsAddedEvenForIdentityAndMergedWithTheUpstreams() {
        let identity = ResponseCompression.apply(to: response(), request: request(accepting: nil), rule: rule)
        #expect(identity.header("vary") == "Accept-Encoding")
        #expect(identity.header("content-encoding") == nil)
        let merged = ResponseCompression.apply(
            to: response([("Content-Type", "application/json"), ("Vary", "Accept-Language")]), request: request(accepting: "gzip"), rule: rule)
        #expect(merged.header("vary") == "Accept-Language, Accept-Encoding")
        let already = ResponseCompression.apply(
            to: response([("Content-Type", "text/css"), ("Vary", "accept-encoding")]), request: request(accepting: "gzip"), rule: rule)
        #expect(already.header("vary") == "accept-encoding")
    }

    @Test(arguments: [
        ("text/css", true), ("text/html;charset=utf-8", true), ("application/json", true), ("Application/JSON", true),
        ("image/svg+xml", true), ("application/javascript", true), ("application/jsonx", false), ("image/png", false),
        ("application/octet-stream", false),
    ])
    func compressibleTypesOfTheDefaultRule(_ type: String, _ compressible: Bool) {
        let result = ResponseCompression.apply(to: response([("Content-Type", type)]), request: request(accepting: "gzip"), rule: rule)
        #expect((result.header("content-encoding") == "gzip") == compressible)
    }

    @Test func incompressibleBodiesStayIdentity() {
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let result = ResponseCompression.apply(to: response(body: noise), request: request(accepting: "br"), rule: rule)
        #expect(result.header("content-encoding") == nil)
        #expect(result.body == noise)
    }

    @Test func brotliSizeIsTheCompressedLengthAndBeatsGzipOnText() {
        let size = ResponseCompression.brotliSize(of: Self.text)
        #expect(size == BrotliCodec.compress(Self.text).count)
        #expect(size < GzipDeflater.gzip(Self.text, level: ResponseCompression.gzipLevel).count)
        #expect(size > 0 && size < Self.text.count / 10)
    }

    @Test func brotliDecodingRefusesBadTruncatedAndOversizedInput() throws {
        let compressed = BrotliCodec.compress(Self.text)
        #expect(throws: BrotliCodec.DecodeError.truncated) { try BrotliCodec.decompress(Array(compressed.prefix(compressed.count / 2)), limit: 1 << 20) }
        #expect(throws: BrotliCodec.DecodeError.tooLarge) { try BrotliCodec.decompress(compressed, limit: 100) }
        #expect(throws: BrotliCodec.DecodeError.invalid) { try BrotliCodec.decompress(Array("not brotli at all!".utf8), limit: 1 << 20) }
        #expect(try BrotliCodec.decompress(BrotliCodec.compress([]), limit: 10) == [])
    }
}
