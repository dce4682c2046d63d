import PerfwatchIngest
import PerfwatchModel
import Testing

@Suite("RUM beacons")
struct RUMBeaconTests {
    func parse(_ json: String) throws -> RUMBeacon { try RUMBeaconParser.parse(Array(json.utf8)) }

    @Test("a page-view beacon becomes vitals, ratings, navigation and resource metrics by page, device and release")
    func derive() throws {
        let beacon = try parse("""
            {"v":1,"key":"k","pv":"p1","url":"/courses/123/lessons/550e8400-e29b-41d4-a716-446655440000?x=1","rel":"2.1","vw":390,
             "vitals":{"lcp":2600,"cls":0.05,"inp":180},"nav":{"dns":3,"load":900},"tbt":40,"res":{"script":{"n":2,"b":1000}}}
            """)
        let output = RUMDerivations.derive(beacon, userAgent: "Mozilla/5.0 (iPhone) Mobile", receivedMs: 1_000_000)
        let points = output.points.points
        let lcp = try #require(points.first { $0.series.metric == "rum.lcp" })
        #expect(lcp.series.labels.dictionary == ["page": "/courses/:id/lessons/:id", "device": "mobile", "release": "2.1"])
        #expect(lcp.kind == .distribution && lcp.sample.value == 2600 && lcp.sample.timeMs == 1_000_000)
        let ratings = points.filter { $0.series.metric == "rum.vital.ratings" }.map { "\($0.series.labels["vital"]!)=\($0.series.labels["rating"]!)" }
        #expect(ratings.sorted() == ["cls=good", "inp=good", "lcp=needs-improvement"])
        // Every resource type counts for every page view (zero when absent), so averages are per page view.
        let bytes = points.filter { $0.series.metric == "rum.resource.bytes" }
        #expect(bytes.count == 5 && bytes.first { $0.series.labels["type"] == "script" }?.sample.value == 1000)
        #expect(output.records.pageViews.count == 1)
    }

    @Test("absurd values are dropped one by one and named; the rest is kept")
    func absurd() throws {
        let beacon = try parse("""
            {"v":1,"key":"k","pv":"p","url":"/","vitals":{"lcp":-1,"cls":101,"inp":3600001,"fcp":NaN,"ttfb":12},
             "nav":{"load":1e12},"journeys":[{"id":"j","type":"t","state":"weird","start":1}]}
            """)
        #expect(Set(beacon.dropped) == ["lcp", "cls", "inp", "fcp", "nav.load", "journey"])
        #expect(beacon.vitals == ["ttfb": 12])
    }

    @Test("read in one pass like a lookup: the first of a repeated member wins, unknown members and names are skipped")
    func onePassKeepsLookupSemantics() throws {
        let beacon = try parse("""
            {"v":1,"key":"k","pv":"p","url":"/a","url":"/b","extra":{"deep":[1,{"x":null}]},"vitals":{"lcp":900,"zzz":5},
             "vitals":{"lcp":100},"res":{"script":{"n":1,"b":2},"gif":{"n":1,"b":1},"font":"x"},"nav":[1]}
            """)
        #expect(beacon.url == "/a")
        #expect(beacon.vitals == ["lcp": 900])
        let script = try #require(beacon.resourceValues[0])
        #expect(script.count == 1 && script.transferBytes == 2 && script.decodedBytes == nil)
        #expect(beacon.resourceValues[1...].allSatisfy { $0 == nil })
        #expect(beacon.dropped == ["res.font"])
        #expect(beacon.navigationValues.allSatisfy { $0 == nil } && beacon.isPageView)
    }

    @Test("a syntax error inside a measured object is refused whole, with where it is")
    func syntaxErrorInsideVitals() {
        #expect {
            try parse(#"{"v":1,"key":"k","pv":"p","url":"/","vitals":{"lcp":12,}}"#)
        } throws: { error in
            (error as? PerfwatchError)?.message == "beacon is not valid JSON: malformed JSON at line 1, column 56 (byte 55): expected a quoted key"
        }
    }

    @Test("beacons without their identity are refused with the field named", arguments: [
        ("[1,2]", "JSON object"), ("{\"v\":2,\"key\":\"k\",\"pv\":\"p\",\"url\":\"/\"}", "'v'"),
        ("{\"v\":1,\"pv\":\"p\",\"url\":\"/\"}", "'key'"), ("{\"v\":1,\"key\":\"k\",\"url\":\"/\"}", "'pv'"),
        ("{\"v\":1,\"key\":\"k\",\"pv\":\"p\"}", "'url'"), ("{\"v\":1,", "not valid JSON"),
    ])
    func refused(body: String, fragment: String) {
        #expect {
            try parse(body)
        } throws: { error in
            (error as? PerfwatchError)?.code == .badRequest && (error as? PerfwatchError)?.message.contains(fragment) == true
        }
    }

    @Test("devices: the user agent decides when it says, the viewport when it does not")
    func devices() {
        #expect(DeviceClassifier.classify(userAgent: "Mozilla/5.0 (iPad; CPU OS 17_0)", viewportWidth: 1024) == "tablet")
        #expect(DeviceClassifier.classify(userAgent: "Mozilla/5.0 (Linux; Android 14; SM-X700) Safari", viewportWidth: 1200) == "tablet")
        #expect(DeviceClassifier.classify(userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari", viewportWidth: 412) == "mobile")
        #expect(DeviceClassifier.classify(userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/131", viewportWidth: 500) == "desktop")
        #expect(DeviceClassifier.classify(userAgent: nil, viewportWidth: 500) == "mobile")
        #expect(DeviceClassifier.classify(userAgent: "curl/8", viewportWidth: nil) == "desktop")
    }

    @Test("score: 90 at the good threshold, 50 at the poor one, weights renormalized over present vitals")
    func score() {
        #expect(abs((WebVitals.score("lcp", 2500) ?? 0) - 0.9) < 1e-9)
        #expect(abs((WebVitals.score("lcp", 4000) ?? 0) - 0.5) < 1e-9)
        #expect(WebVitals.score("cls", 0) == 1)
        #expect(WebVitals.performanceScore(["lcp": 2500, "cls": 0.1, "inp": 200]) == 90)
        #expect(WebVitals.performanceScore([:]) == nil)
        #expect(WebVitals.rating("inp", 200) == "good" && WebVitals.rating("inp", 201) == "needs-improvement")
    }
}
