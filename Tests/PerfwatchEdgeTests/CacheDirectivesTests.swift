@testable import PerfwatchEdge
import Testing

@Suite struct CacheDirectivesTests {
    @Test func parsesTokensArgumentsAndQuotedValues() {
        let parsed = CacheDirectives.parse(#"Public, max-age="60", no-cache="Set-Cookie, X-A", s-maxage=120 ,private="a\"b""#)
        #expect(parsed.map(\.name) == ["public", "max-age", "no-cache", "s-maxage", "private"])
        #expect(parsed.map(\.value) == [nil, "60", "Set-Cookie, X-A", "120", #"a"b"#])
    }

    @Test func readsTheDirectivesACacheActsOn() {
        let directives = CacheDirectives(cacheControl: "public, max-age=60, s-maxage=30, must-revalidate, stale-while-revalidate=5, stale-if-error=7")
        #expect(directives.isPublic && directives.mustRevalidate)
        #expect(directives.maxAgeSeconds == 60)
        #expect(directives.sharedMaxAgeSeconds == 30)
        #expect(directives.staleWhileRevalidateSeconds == 5)
        #expect(directives.staleIfErrorSeconds == 7)
        // An invalid max-age is treated as 0 (stale), RFC 9111 §4.2.1.
        #expect(CacheDirectives(cacheControl: "max-age=soon").maxAgeSeconds == 0)
    }

    @Test(arguments: [
        ("no-store, private", "no-store"), ("private, max-age=5", "private"), ("no-cache", "no-cache"),
        ("public, max-age=5", "max-age"), ("public", "public"), ("", "none"),
    ])
    func mostRestrictive(_ header: String, _ expected: String) {
        #expect(CacheDirectives(cacheControl: header).mostRestrictive == expected)
    }

    @Test func pragmaNoCacheCountsOnlyWithoutCacheControl() {
        #expect(CacheDirectives(cacheControl: nil, pragma: "no-cache").noCache)
        #expect(!CacheDirectives(cacheControl: "max-age=5", pragma: "no-cache").noCache)
    }

    @Test(arguments: [
        ("Sun, 06 Nov 1994 08:49:37 GMT", Int64(784_111_777_000)),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777_000),
        ("Sun Nov  6 08:49:37 1994", 784_111_777_000),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
    ])
    func httpDates(_ text: String, _ expectedMs: Int64) {
        #expect(HTTPDate.parseMs(text) == expectedMs)
    }

    @Test(arguments: ["0", "-1", "", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "tomorrow"])
    func invalidDates(_ text: String) {
        #expect(HTTPDate.parseMs(text) == nil)
    }
}
