import PerfwatchIngest
import PerfwatchModel
import Testing

@Suite("JSON metrics parser")
struct JSONMetricsParserTests {
    let now: Int64 = 1_795_000_000_000
    let parser = JSONMetricsParser()

    func parse(_ text: String) throws -> IngestBatch { try parser.parse(Array(text.utf8), nowMs: now) }

    @Test("the documented example parses into a tagged distribution point")
    func example() throws {
        let batch = try parse(
            #"{"metrics":[{"name":"api.request.duration","kind":"timing","value":123.4,"unit":"ms","time":1794999999123,"tags":{"route":"/courses/:id","method":"GET","status":200}}]}"#)
        #expect(batch.rejections.isEmpty)
        let point = try #require(batch.points.points.first)
        #expect(point.kind == .distribution)
        #expect(point.sample == Sample(timeMs: 1_794_999_999_123, value: 123.4))
        #expect(point.series.labels["status"] == "200")
        #expect(point.series.labels["route"] == "/courses/:id")
    }

    @Test("RFC 3339 time and default now")
    func times() throws {
        let batch = try parse(
            #"{"metrics":[{"name":"a","kind":"gauge","value":1,"time":"2026-11-18T10:53:20.5Z"},{"name":"b","kind":"counter","value":2}]}"#)
        #expect(batch.points.points[0].sample.timeMs == 1_794_999_200_500)
        #expect(batch.points.points[1].sample.timeMs == now)
    }

    @Test("each invalid item is rejected alone with a reason", arguments: [
        (#"{"name":"x","kind":"bogus","value":1}"#, "invalid_kind"),
        (#"{"name":"","kind":"gauge","value":1}"#, "invalid_name"),
        (#"{"kind":"gauge","value":1}"#, "invalid_name"),
        (#"{"name":"x","kind":"gauge","value":"NaN"}"#, "invalid_value"),
        (#"{"name":"x","kind":"gauge","value":1e999}"#, "invalid_value"),
        (#"{"name":"x","kind":"gauge"}"#, "invalid_value"),
        (#"{"name":"x","kind":"gauge","value":1,"time":1795000900000}"#, "time_in_future"),
        (#"{"name":"x","kind":"gauge","value":1,"time":1794000000000}"#, "time_too_old"),
        (#"{"name":"x","kind":"gauge","value":1,"time":"yesterday"}"#, "invalid_time"),
        (#"{"name":"x","kind":"counter","value":-1}"#, "invalid_value"),
        (#"{"name":"x","kind":"gauge","value":1,"tags":["a"]}"#, "invalid_item"),
        (#""just a string""#, "invalid_item"),
    ])
    func rejections(item: String, reason: String) throws {
        let batch = try parse(#"{"metrics":[{"name":"ok","kind":"gauge","value":1},"# + item + "]}")
        #expect(batch.points.count == 1)
        #expect(batch.rejections.count == 1)
        #expect(batch.rejections.first?.index == 1)
        #expect(batch.rejections.first?.reason == reason, "\(batch.rejections)")
    }

    @Test("a value that is not a number says so, not that it is NaN or Infinity; a numeric string is a number")
    func valueNotANumber() throws {
        let batch = try parse(#"{"metrics":[{"name":"a","kind":"gauge","value":"x"},{"name":"b","kind":"gauge","value":"12.5"}]}"#)
        #expect(batch.rejections.first?.error == "value must be a number, not the string 'x'")
        #expect(batch.points.points.first?.sample.value == 12.5)
    }

    @Test("limits: long name, too many tags, long tag value")
    func limits() throws {
        let longName = String(repeating: "n", count: 257)
        let manyTags = (0..<65).map { "\"k\($0)\":\"v\"" }.joined(separator: ",")
        let longValue = String(repeating: "v", count: 1025)
        let batch = try parse(
            #"{"metrics":[{"name":"\#(longName)","kind":"gauge","value":1},{"name":"a","kind":"gauge","value":1,"tags":{\#(manyTags)}},{"name":"a","kind":"gauge","value":1,"tags":{"k":"\#(longValue)"}}]}"#)
        #expect(batch.points.isEmpty)
        #expect(batch.rejections.map(\.reason) == ["invalid_name", "too_many_tags", "invalid_tag"])
        #expect(batch.rejections[0].error.contains("256"))
    }

    @Test("malformed JSON fails the request with a position")
    func malformed() {
        do {
            _ = try parse(#"{"metrics":[{"name":"a",,}]}"#)
            Issue.record("expected an error")
        } catch let error as PerfwatchError {
            #expect(error.code == .badRequest)
            #expect(error.message.contains("malformed JSON"))
            #expect(error.message.contains("line") || error.message.contains("offset") || error.message.contains("column"), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a body without a metrics array is refused")
    func missingArray() {
        #expect(throws: PerfwatchError.self) { try parse(#"{"data":[]}"#) }
        #expect(throws: PerfwatchError.self) { try parse(#"[1,2]"#) }
    }
}

@Suite("JSON error positions")
struct JSONErrorPositionTests {
    @Test("the first syntax error is located by line and column", arguments: [
        ("{\"metrics\":[{\"name\":\"a\",,}]}", "line 1, column 25"),
        ("{\n  \"metrics\": [\n    {\"name\": x}\n  ]\n}", "line 3, column 14"),
        ("{\"metrics\":[", "end of input"),
        ("{\"metrics\":[]} trailing", "after the document"),
    ])
    func located(body: String, fragment: String) {
        do {
            _ = try JSONMetricsParser().parse(Array(body.utf8), nowMs: 0)
            Issue.record("expected an error")
        } catch let error as PerfwatchError {
            #expect(error.message.contains(fragment), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("bare NaN and Infinity reject only their item")
    func nonFiniteLiterals() throws {
        let body = #"{"metrics":[{"name":"a","kind":"gauge","value":1},{"name":"b","kind":"gauge","value":NaN},{"name":"c NaN","kind":"gauge","value":-Infinity}]}"#
        let batch = try JSONMetricsParser().parse(Array(body.utf8), nowMs: TimeParsing.nowMs())
        #expect(batch.points.points.map(\.series.metric) == ["a"])
        #expect(batch.rejections.map(\.index) == [1, 2])
        #expect(batch.rejections.allSatisfy { $0.reason == "invalid_value" })
    }
}
