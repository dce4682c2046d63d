import PerfwatchEdgePolicy
import Testing

@Suite("media type essence")
struct MediaTypeTests {
    @Test("parameters, case and surrounding blanks go; what is left is compared by compression and telemetry", arguments: [
        ("text/html", "text/html"),
        ("Text/HTML; charset=UTF-8", "text/html"),
        ("  application/json  ;charset=utf-8", "application/json"),
        ("\tapplication/javascript", "application/javascript"),
        ("", ""),
        ("   ", ""),
        (";charset=utf-8", ""),
        ("image/svg+xml", "image/svg+xml"),
    ])
    func essence(_ value: String, _ expected: String) {
        #expect(MediaType.essence(value) == expected)
    }

    @Test("a compression rule covers a type whatever its case and parameters")
    func coversNormalizedTypes() {
        let rule = CompressionRule()
        #expect(rule.covers(contentType: "Application/JavaScript; charset=utf-8"))
        #expect(!rule.covers(contentType: "image/png"))
        #expect(!rule.covers(contentType: ""))
    }
}
