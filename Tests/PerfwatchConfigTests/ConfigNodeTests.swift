import Foundation
import PerfwatchConfig
import PerfwatchModel
import Testing

/// The one configuration reader: every error says `file:line: field.path: problem`, with the right line.
@Suite("Configuration reader")
struct ConfigNodeTests {
    static let text = """
        # a comment
        server:
          host: 127.0.0.1
          port: eighty
        storage:
          retention: {raw: 2d, spans: forever}
        groups:
          - name: api
            rules:
              - {alert: A, treshold: 1}
        """

    func root() throws -> ConfigNode { try ConfigNode.parseYAML(Self.text, file: "perfwatch.yml") }

    func error(_ body: () throws -> Void) -> ConfigError? {
        do {
            try body()
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test("errors name file, line and the field's path")
    func linesAndPaths() throws {
        let root = try root()
        let port = error { _ = try root.required("server").required("port").int() }
        #expect(port?.description == #"perfwatch.yml:4: server.port: expected an integer, got "eighty""#)
        let spans = error { _ = try root["storage"]?["retention"]?["spans"]?.duration() }
        #expect(spans?.line == 6)
        #expect(spans?.field == "storage.retention.spans")
        #expect(spans?.message == #"expected a duration like 500ms, 1.5s, 5m or 1h30m, got "forever""#)
        let rule = try #require(try root.required("groups").sequence().first?.required("rules").sequence().first)
        let unknown = error { try rule.checkKeys(["alert", "threshold"]) }
        #expect(unknown?.description == #"perfwatch.yml:10: groups[0].rules[0].treshold: unknown key "treshold"; valid keys: alert, threshold"#)
        let missing = error { _ = try rule.required("threshold") }
        #expect(missing?.description == "perfwatch.yml:10: groups[0].rules[0].threshold: required field is missing")
        #expect(try root.required("server").required("host").string() == "127.0.0.1")
    }

    @Test("a mapping expected where something else is says which keys it takes")
    func notAMapping() throws {
        let root = try ConfigNode.parseYAML("server: 4318\n", file: nil)
        let problem = error { try root.required("server").checkKeys(["host", "port"]) }
        #expect(problem?.description == #"line 1: server: expected a mapping with keys host, port, got "4318""#)
    }

    @Test("YAML syntax errors carry line and column; an empty file is a null node")
    func syntax() throws {
        let problem = error { _ = try ConfigNode.parseYAML("a: 1\nb: [1, 2\nc: 3\n", file: "x.yml") }
        #expect(problem?.code == "yaml_syntax")
        #expect(problem?.file == "x.yml")
        #expect(problem?.line != nil)
        #expect(problem?.message.contains("(column ") == true)
        #expect(try ConfigNode.parseYAML("# nothing\n", file: nil).isNull)
    }

    @Test("durations use the one grammar, with the grammar's advice")
    func durations() throws {
        let root = try ConfigNode.parseYAML("a: 1h30m\nb: 5\nc: 5\n", file: "d.yml")
        #expect(try root.required("a").duration() == .seconds(5400))
        let bare = error { _ = try root.required("b").duration() }
        #expect(bare?.description == #"d.yml:2: b: expected a duration like 500ms, 1.5s, 5m or 1h30m, got "5" ("5" has no unit; write 5s for seconds, 5m for minutes or 5ms for milliseconds)"#)
        #expect(try root.required("c").duration(bareNumbers: .seconds) == .seconds(5))
    }

    @Test("plain values keep YAML's types, for data passed on as JSON")
    func plainValues() throws {
        let root = try ConfigNode.parseYAML(#"json: {n: 5, s: "5", f: 1.5, b: true, z: null, l: [1, x]}"#, file: nil)
        let object = try #require(root.required("json").plainValue as? [String: Any])
        #expect(object["n"] as? Int == 5)
        #expect(object["s"] as? String == "5")
        #expect(object["f"] as? Double == 1.5)
        #expect(object["b"] as? Bool == true)
        #expect(object["z"] is NSNull)
        #expect((object["l"] as? [Any])?.count == 2)
    }

    @Test("JSON bodies are read with lines too")
    func json() throws {
        let root = try ConfigNode.parseJSON(Data("{\n  \"alert\": \"A\",\n  \"op\": 5\n}".utf8))
        #expect(try root.required("alert").string() == "A")
        #expect(root["op"]?.line == 3)
        #expect(error { _ = try ConfigNode.parseJSON(Data("{".utf8)) }?.code == "invalid_json")
    }
}
