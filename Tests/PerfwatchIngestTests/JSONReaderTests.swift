import Foundation
import PerfwatchIngest
import PerfwatchModel
import Testing

@Suite("JSON reader")
struct JSONReaderTests {
    func parse(_ text: String) throws -> JSONValue { try JSONReader.parse(Array(text.utf8)) }

    @Test("values, escapes and surrogate pairs")
    func values() throws {
        let value = try parse(#"{"a":[1,-2.5,1e3,true,false,null],"s":"x\"\\\/\n\u00e9\ud83d\ude00","big":9007199254740993}"#)
        #expect(value["a"] == .array([.number(1, integer: 1), .number(-2.5, integer: nil), .number(1000, integer: nil), .bool(true), .bool(false), .null]))
        #expect(value["s"] == .string("x\"\\/\né😀"))
        #expect(value["big"] == .number(9_007_199_254_740_992, integer: 9_007_199_254_740_993))
    }

    @Test("NaN and Infinity are read as non-finite numbers")
    func nonFinite() throws {
        #expect(try parse("[NaN,Infinity,-Infinity,1e999]") == .array([.nonFinite(.nan), .nonFinite(.infinity), .nonFinite(-.infinity), .number(.infinity, integer: nil)]))
    }

    @Test("syntax errors say where", arguments: [
        ("[01]", "column 2"), ("[1,]", "column 4"), ("{\"a\" 1}", "':'"), ("\"abc", "unterminated"), ("[\"\\x\"]", "escape"),
        ("[1.]", "after '.'"), ("tru", "literal"), ("", "end of input"), ("{}x", "after the document"),
    ])
    func errors(text: String, fragment: String) {
        do {
            _ = try parse(text)
            Issue.record("expected an error for \(text)")
        } catch let error as PerfwatchError {
            #expect(error.code == .badRequest)
            #expect(error.message.contains(fragment), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("deep nesting is refused, not a stack overflow")
    func depth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: PerfwatchError.self) { try parse(deep) }
    }

    /// The deepest documents the limit lets through, parsed and freed (freeing recurses too).
    static func parseDeepest() -> Bool {
        let depth = JSONReader.maxDepth - 1
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        return [arrays, objects].allSatisfy { text in (try? JSONReader.parse(Array(text.utf8))) != nil }
    }

    @Test("the deepest accepted nesting parses on a Swift concurrency thread (smaller stack than main)")
    func deepestOnATask() async {
        #expect(await Task.detached { Self.parseDeepest() }.value)
    }

    @Test("the deepest accepted nesting parses on a thread with a 512 KiB stack")
    func deepestOnASmallStack() async {
        let parsed = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let thread = Thread { continuation.resume(returning: Self.parseDeepest()) }
            thread.stackSize = 512 * 1024
            thread.start()
        }
        #expect(parsed)
    }
}
