import PerfwatchIngest
import PerfwatchModel
import Testing

@Suite("Prometheus text parser")
struct PrometheusTextParserTests {
    let now: Int64 = 1_795_000_000_000
    let parser = PrometheusTextParser()

    @Test("types, labels with escapes, timestamps, histograms and summaries")
    func families() throws {
        let text = """
            # HELP http_requests_total Requests.
            # TYPE http_requests_total counter
            http_requests_total{method="GET",path="/a \\"quoted\\"\\\\"} 1027 1794999990000
            http_requests_total{method="POST",} 3 1794999990000
            # TYPE temperature gauge
            temperature 21.5
            # TYPE latency histogram
            latency_bucket{le="0.1"} 5
            latency_bucket{le="+Inf"} 7
            latency_sum 1.25
            latency_count 7
            # TYPE rpc summary
            rpc{quantile="0.99"} 0.3
            rpc{quantile="0.5"} NaN
            rpc_sum 10
            rpc_count 40
            untyped_thing 4\r

            """
        let result = try parser.parse(Array(text.utf8), nowMs: now)
        #expect(result.points.count == 12)
        #expect(result.points.points[8].series.labels["quantile"] == "0.5")
        #expect(result.points.points[8].sample.value.isNaN)  // stored as Prometheus stores it
        let first = result.points.points[0]
        #expect(first.series.metric == "http_requests_total")
        #expect(first.kind == .counter)
        #expect(first.temporality == .cumulative)
        #expect(first.series.labels["path"] == "/a \"quoted\"\\")
        #expect(first.sample == Sample(timeMs: 1_794_999_990_000, value: 1027))
        #expect(result.points.points[2].kind == .gauge)
        #expect(result.points.points[2].sample.timeMs == now)
        #expect(result.points.points[3].series.labels["le"] == "0.1")
        #expect(result.points.points[3].kind == .counter)
        #expect(result.points.points[7].kind == .gauge)  // summary quantile
        #expect(result.points.points[9].kind == .counter)  // rpc_sum
        #expect(result.points.points[11].kind == .gauge)  // untyped
        #expect(result.points.points[11].series.metric == "untyped_thing")
    }

    @Test("a bad line fails the whole request naming its line", arguments: [
        ("ok 1\nbad{a=1} 2\n", 2, "quoted"),
        ("ok 1\nok 2\n\nnovalue\n", 4, "space"),
        ("a{b=\"c\"} abc\n", 1, "not a number"),
        ("a 1 12.5\n", 1, "timestamp"),
        ("a{b=\"c\" 1\n", 1, "','"),
        ("a{b=\"c\",b=\"d\"} 1\n", 1, "duplicate"),
        ("a 1 9999999999999\n", 1, "future"),
        ("a 1 1000\n", 1, "older"),
        ("1abc 1\n", 1, "metric name"),
    ])
    func badLine(text: String, line: Int, fragment: String) {
        do {
            _ = try parser.parse(Array(text.utf8), nowMs: now)
            Issue.record("expected an error for \(text)")
        } catch let error as PerfwatchError {
            #expect(error.code == .badRequest)
            #expect(error.message.hasPrefix("line \(line):"), "\(error.message)")
            #expect(error.message.contains(fragment), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite("Prometheus value parsing")
struct PrometheusValueParsingTests {
    @Test("NaN and ±Inf in every spelling of the format are kept, not skipped")
    func nonFinite() throws {
        let text = "a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf -inf\n"
        let result = try PrometheusTextParser().parse(Array(text.utf8), nowMs: 1_795_000_000_000)
        let values = result.points.points.map(\.sample.value)
        #expect(values.count == 6)
        #expect(values[0].isNaN && values[4].isNaN)
        #expect(values[1] == .infinity && values[3] == .infinity)
        #expect(values[2] == -.infinity && values[5] == -.infinity)
    }

    @Test("the fast decimal path gives the same doubles as the standard library", arguments: [
        "0", "-0", "1.5", "123456789012345", "0.1", "3.14159", "1e3", "-2.5E-3", "+7", "1234567890123456789", ".5",
        "0.30000000000000004", "99999.99999", "-123.456", "1.7976931348623157e308", "000123.4500",
    ])
    func sameAsStandardLibrary(text: String) throws {
        let result = try PrometheusTextParser().parse(Array("m \(text)\n".utf8), nowMs: 1_795_000_000_000)
        let expected = try #require(Double(text))
        #expect(result.points.points.first?.sample.value.bitPattern == expected.bitPattern, "\(text)")
    }
}

@Suite("Prometheus series table")
struct PrometheusSeriesTableTests {
    @Test("repeated series share one entry, across table growth")
    func dedupe() throws {
        var text = ""
        for round in 0..<2 {
            for index in 0..<1500 { text += "m{i=\"\(index)\"} \(round)\n" }
        }
        let result = try PrometheusTextParser().parse(Array(text.utf8), nowMs: 1_795_000_000_000)
        #expect(result.points.series.count == 1500)
        #expect(result.points.count == 3000)
        let last = result.points.point(at: 2999)
        #expect(last.series.labels["i"] == "1499")
        #expect(last.sample.value == 1)
    }
}
