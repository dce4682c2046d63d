import Foundation
import PerfwatchModel
import Testing

@Suite struct CompactJSONEncoderTests {
    struct Point: Encodable {
        let time: Int64
        let value: Double
        func encode(to encoder: any Encoder) throws {
            var pair = encoder.unkeyedContainer()
            try pair.encode(time)
            try pair.encode(value)
        }
    }
    enum Kind: String, Encodable { case gauge, counter }
    struct Series: Encodable {
        let tags: [String: String]
        let points: [Point]
    }
    struct Result: Encodable {
        let metric: String
        let step: Int64?
        let kind: Kind?
        let ratio: Double
        let ok: Bool
        let series: [Series]
        @OmittedWhenNil var note: String?
        let empty: [Int]
    }

    func encode(_ value: some Encodable) throws -> String { try CompactJSONEncoder().encode(value) }

    @Test func writesDeclaredKeysInOrderWithNullsAndSortedMaps() throws {
        let result = Result(
            metric: "http \"dur\"", step: nil, kind: .gauge, ratio: .nan, ok: true,
            series: [Series(tags: ["route": "/b", "method": "GET"], points: [Point(time: 1, value: 2.5), Point(time: 2, value: 3)])],
            note: nil, empty: [])
        #expect(try encode(result) == #"{"metric":"http \"dur\"","step":null,"kind":"gauge","ratio":null,"ok":true,"series":[{"tags":{"method":"GET","route":"/b"},"points":[[1,2.5],[2,3]]}],"empty":[]}"#)
    }

    @Test func omittedWhenNilKeepsPresentValues() throws {
        struct Box: Encodable { @OmittedWhenNil var a: Int?; let b: Int }
        #expect(try encode(Box(a: 4, b: 5)) == #"{"a":4,"b":5}"#)
        #expect(try encode(Box(a: nil, b: 5)) == #"{"b":5}"#)
    }

    @Test(arguments: [
        (1.0, "1"), (-0.5, "-0.5"), (1e15, "1000000000000000.0"), (123456.25, "123456.25"), (Double.infinity, "null"), (-Double.infinity, "null"),
    ])
    func numbers(value: Double, text: String) throws {
        #expect(try encode([value]) == "[\(text)]")
    }

    @Test func nestedContainersAndEmptyTypesStayValidJSON() throws {
        struct Nested: Encodable {
            enum Keys: String, CodingKey { case outer, list, after }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                var inner = container.nestedContainer(keyedBy: Keys.self, forKey: .outer)
                try inner.encode(1, forKey: .list)
                var list = container.nestedUnkeyedContainer(forKey: .list)
                try list.encode("x")
                try list.encodeNil()
                try container.encode(true, forKey: .after)
            }
        }
        struct Empty: Encodable {}
        let text = try encode([Nested(), Nested()])
        #expect(text == #"[{"outer":{"list":1},"list":["x",null],"after":true},{"outer":{"list":1},"list":["x",null],"after":true}]"#)
        #expect(try encode([Empty()]) == "[{}]")
        // What we write, Foundation reads back.
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [Any])
    }

    @Test func stringsAreEscaped() throws {
        #expect(try encode(["a\u{1}\n\\"]) == #"["a\u0001\n\\"]"#)
    }
}
