internal import Foundation
internal import Yams

/// A parsed YAML or JSON document with the line and field path of every node.
///
/// Rule files, single rules sent as JSON and the channel configuration are all read
/// through this one tree, so every input error names the same thing: file, line, field.
struct ConfigNode: Sendable {
    enum Value: Sendable {
        case null
        case scalar(String)
        case sequence([ConfigNode])
        case mapping([(key: String, value: ConfigNode)])
    }

    var value: Value
    var file: String?
    var line: Int?
    /// Dotted path from the document root: `groups[0].rules[1].op`.
    var path: String

    /// Parses YAML text; syntax errors carry the line Yams reports.
    static func parseYAML(_ text: String, file: String?, rootPath: String = "") throws(AlertingError) -> ConfigNode {
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw AlertingError(code: "yaml_syntax", message: "YAML syntax error: \(Self.problem(error))", file: file, line: Self.line(error))
        } catch {
            throw AlertingError(code: "yaml_syntax", message: "YAML syntax error: \(error)", file: file)
        }
        guard let node else { return ConfigNode(value: .null, file: file, line: 1, path: rootPath) }
        return convert(node, file: file, path: rootPath)
    }

    /// Parses JSON text (the `/api/v1/alert-rules` body). JSON is valid YAML 1.2 flow
    /// syntax, so the YAML composer gives us line numbers for free.
    static func parseJSON(_ data: Data, rootPath: String = "") throws(AlertingError) -> ConfigNode {
        guard let text = String(data: data, encoding: .utf8) else {
            throw AlertingError(code: "invalid_json", message: "body is not UTF-8 text")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw AlertingError(code: "invalid_json", message: "invalid JSON: \(error.localizedDescription)")
        }
        // The rare JSON the YAML 1.1 composer rejects (tabs in odd places) still gets read,
        // without line numbers.
        return (try? parseYAML(text, file: nil, rootPath: rootPath)) ?? convert(json: object, path: rootPath)
    }

    private static func convert(json: Any, path: String) -> ConfigNode {
        switch json {
        case let map as [String: Any]:
            let pairs = map.keys.sorted().map { key in
                (key: key, value: convert(json: map[key]!, path: path.isEmpty ? key : "\(path).\(key)"))
            }
            return ConfigNode(value: .mapping(pairs), path: path)
        case let list as [Any]:
            return ConfigNode(value: .sequence(list.enumerated().map { convert(json: $0.element, path: "\(path)[\($0.offset)]") }), path: path)
        case let text as String:
            return ConfigNode(value: .scalar(text), path: path)
        case let number as NSNumber:
            return ConfigNode(value: .scalar(number.stringValue), path: path)
        default:
            return ConfigNode(value: .null, path: path)
        }
    }

    private static func convert(_ node: Yams.Node, file: String?, path: String) -> ConfigNode {
        let line = node.mark.map { $0.line }
        switch node {
        case .scalar(let scalar):
            let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
            return ConfigNode(value: isNull ? .null : .scalar(scalar.string), file: file, line: line, path: path)
        case .sequence(let sequence):
            let items = sequence.enumerated().map { convert($0.element, file: file, path: "\(path)[\($0.offset)]") }
            return ConfigNode(value: .sequence(items), file: file, line: line, path: path)
        case .mapping(let mapping):
            let pairs = mapping.map { pair in
                let key = pair.key.string ?? "\(pair.key)"
                return (key: key, value: convert(pair.value, file: file, path: path.isEmpty ? key : "\(path).\(key)"))
            }
            return ConfigNode(value: .mapping(pairs), file: file, line: line, path: path)
        case .alias:
            return ConfigNode(value: .null, file: file, line: line, path: path)
        }
    }

    private static func problem(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(error)"
        }
    }

    private static func line(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }
}

// MARK: - Typed access that reports the field on failure

extension ConfigNode {
    var isNull: Bool { if case .null = value { true } else { false } }

    /// The value for `key` in a mapping; `nil` when absent or explicitly null.
    subscript(key: String) -> ConfigNode? {
        guard case .mapping(let pairs) = value, let found = pairs.first(where: { $0.key == key })?.value else { return nil }
        return found.isNull ? nil : found
    }

    /// A stand-in node for a missing key, so "required" errors point at the parent's line.
    func missing(_ key: String) -> ConfigNode {
        ConfigNode(value: .null, file: file, line: line, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func mapping() throws(AlertingError) -> [(key: String, value: ConfigNode)] {
        guard case .mapping(let pairs) = value else { throw .invalid(self, "expected a mapping, got \(kindName)") }
        return pairs
    }

    func sequence() throws(AlertingError) -> [ConfigNode] {
        guard case .sequence(let items) = value else { throw .invalid(self, "expected a list, got \(kindName)") }
        return items
    }

    func string() throws(AlertingError) -> String {
        guard case .scalar(let text) = value else { throw .invalid(self, "expected a string, got \(kindName)") }
        return text
    }

    func double() throws(AlertingError) -> Double {
        let text = try string()
        guard let number = Double(text.replacingOccurrences(of: "_", with: "")), number.isFinite else {
            throw .invalid(self, "expected a number, got \"\(text)\"")
        }
        return number
    }

    func bool() throws(AlertingError) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw .invalid(self, "expected true or false, got \"\(other)\"")
        }
    }

    func int() throws(AlertingError) -> Int {
        let text = try string()
        guard let number = Int(text) else { throw .invalid(self, "expected an integer, got \"\(text)\"") }
        return number
    }

    func duration() throws(AlertingError) -> Duration {
        let text = try string()
        guard let parsed = AlertDuration.parse(text) else {
            throw .invalid(self, "expected a duration like 30s, 5m, 1h or 1h30m; got \"\(text)\"")
        }
        return parsed
    }

    func stringList() throws(AlertingError) -> [String] {
        if case .scalar(let single) = value { return [single] }
        return try sequence().map { node throws(AlertingError) in try node.string() }
    }

    func stringMap() throws(AlertingError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, node) in try mapping() {
            result[key] = node.isNull ? "" : try node.string()
        }
        return result
    }

    /// Rejects keys the schema does not know, naming the first one (typos like `treshold`
    /// would otherwise silently disable a rule's intent).
    func checkKeys(_ allowed: Set<String>) throws(AlertingError) {
        for (key, node) in try mapping() where !allowed.contains(key) {
            throw .invalid(node, "unknown field; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func required(_ key: String) throws(AlertingError) -> ConfigNode {
        guard let node = self[key] else { throw .invalid(missing(key), "required field is missing") }
        return node
    }

    private var kindName: String {
        switch value {
        case .null: "nothing"
        case .scalar(let text): "\"\(text)\""
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}
