import PerfwatchIngest
import PerfwatchModel
import Testing

@Suite struct JSONValueDecoderTests {
    struct Silence: Decodable, Equatable {
        enum Scope: String, Decodable { case rule, route }
        struct Matcher: Decodable, Equatable {
            let name: String
            let value: String
        }
        let duration: String
        let comment: String?
        let enabled: Bool?
        let limit: Int?
        let scope: Scope?
        let matchers: [Matcher]?
    }

    func decode(_ text: String) throws -> Silence {
        try JSONValueDecoder(what: "silence").decode(Silence.self, from: Array(text.utf8))
    }

    func refusal(_ text: String) -> String? {
        do {
            _ = try decode(text)
            return nil
        } catch let error as PerfwatchError {
            #expect(error.code == .badRequest)
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func decodesPresentAbsentAndNullFields() throws {
        let silence = try decode(#"{"duration":"2h","comment":null,"limit":3,"matchers":[{"name":"route","value":"/a"}]}"#)
        #expect(silence == Silence(duration: "2h", comment: nil, enabled: nil, limit: 3, scope: nil, matchers: [.init(name: "route", value: "/a")]))
    }

    @Test(arguments: [
        (#"[1]"#, "silence: body must be a JSON object"),
        (#"{"duration":"#, "silence: body must be a JSON object"),
        (#"{}"#, "silence: 'duration' is required"),
        (#"{"duration":5}"#, "silence: 'duration' must be a string, not a number"),
        (#"{"duration":"1h","enabled":1}"#, "silence: 'enabled' must be a boolean, not a number"),
        (#"{"duration":"1h","limit":1.5}"#, "silence: 'limit' must be an integer from \(Int.min) to \(Int.max), not 1.5"),
        (#"{"duration":"1h","limit":true}"#, "silence: 'limit' must be an integer, not a boolean"),
        (#"{"duration":"1h","durtion":"2h"}"#, "silence: unknown field 'durtion'; valid fields: comment, duration, enabled, limit, matchers, scope"),
        (#"{"duration":"1h","matchers":[{"name":"a","value":"b"},{"name":"a"}]}"#, "silence: 'matchers[1].value' is required"),
        (#"{"duration":"1h","matchers":[{"name":"a","value":"b","x":1}]}"#, "silence: unknown field 'matchers[0].x'; valid fields: name, value"),
        (#"{"duration":"1h","matchers":{}}"#, "silence: 'matchers' must be an array, not an object"),
    ])
    func refusalsNameTheField(body: String, message: String) {
        #expect(refusal(body) == message)
    }

    @Test func unknownFieldsCanBeAllowed() throws {
        let decoded = try JSONValueDecoder(what: "x", rejectUnknownFields: false).decode(Silence.self, from: Array(#"{"duration":"1h","extra":[1]}"#.utf8))
        #expect(decoded.duration == "1h")
    }
}
