import PerfwatchIngest
import PerfwatchModel
import Testing

@testable import PerfwatchServer

@Suite struct EmbeddedJSONTests {
    struct Box: Encodable {
        let id: Int
        let report: EmbeddedJSON
    }

    func encode(_ embedded: EmbeddedJSON) throws -> String {
        try CompactJSONEncoder().encode(Box(id: 1, report: embedded))
    }

    @Test func storedJSONIsWrittenBackAsTheValueItIs() throws {
        // Members keep their order, integers stay exact, fractions and escapes survive.
        let stored = #"{"z":1732290000123456,"a":[1.5,-2,true,null,"q\"\n"],"nested":{"empty":{},"list":[]}}"#
        #expect(try encode(EmbeddedJSON(text: stored)) == #"{"id":1,"report":"# + stored + "}")
    }

    @Test func emptyOrBrokenTextBecomesTheFallback() throws {
        #expect(try encode(EmbeddedJSON(text: "")) == #"{"id":1,"report":null}"#)
        #expect(try encode(EmbeddedJSON(text: "{nope")) == #"{"id":1,"report":null}"#)
        #expect(try encode(EmbeddedJSON(text: "", fallback: .object([]))) == #"{"id":1,"report":{}}"#)
    }
}
