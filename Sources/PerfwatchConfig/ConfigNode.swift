public import Foundation
internal import Yams

/// A parsed YAML or JSON document with the line and field path of every node: the one reader of
/// every file the product reads (docs/configuration.md). Each file is parsed once into this tree
/// (`Yams.compose`, which keeps marks), then read into typed values through the accessors in
/// `ConfigNode+Access.swift`, so every input error names the same things: file, line, field.
public struct ConfigNode: Sendable {
    public enum Value: Sendable {
        case null
        case scalar(String)
        case sequence([ConfigNode])
        case mapping([(key: String, value: ConfigNode)])
    }

    /// A scalar as YAML's core schema types it (`5` an integer, `"5"` a string), for values that
    /// are passed on as data rather than read as settings (a load scenario's `json:` body).
    public enum Typed: Sendable, Equatable {
        case string(String)
        case int(Int)
        case double(Double)
        case bool(Bool)
        case null
    }

    public var value: Value
    public var file: String?
    public var line: Int?
    /// Dotted path from the document root: `groups[0].rules[1].op`.
    public var path: String
    /// For scalars: the value as typed by YAML (strings otherwise).
    var typed: Typed?

    public init(value: Value, file: String? = nil, line: Int? = nil, path: String) {
        self.value = value
        self.file = file
        self.line = line
        self.path = path
    }

    /// Parses YAML text; syntax errors carry the line Yams reports. An empty document is a null node.
    public static func parseYAML(_ text: String, file: String?, rootPath: String = "") throws(ConfigError) -> ConfigNode {
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let column = Self.mark(error).map { " (column \($0.column))" } ?? ""
            throw ConfigError(code: "yaml_syntax", message: "YAML syntax error: \(Self.problem(error))\(column)", file: file, line: Self.mark(error)?.line)
        } catch {
            throw ConfigError(code: "yaml_syntax", message: "YAML syntax error: \(error)", file: file)
        }
        guard let node else { return ConfigNode(value: .null, file: file, line: 1, path: rootPath) }
        return convert(node, file: file, path: rootPath)
    }

    /// Parses JSON text (the `/api/v1/alert-rules` body). JSON is valid YAML 1.2 flow
    /// syntax, so the YAML composer gives us line numbers for free.
    public static func parseJSON(_ data: Data, rootPath: String = "") throws(ConfigError) -> ConfigNode {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(code: "invalid_json", message: "body is not UTF-8 text")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw ConfigError(code: "invalid_json", message: "invalid JSON: \(error.localizedDescription)")
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
            var node = ConfigNode(value: .scalar(text), path: path)
            node.typed = .string(text)
            return node
        case let number as NSNumber:
            var node = ConfigNode(value: .scalar(number.stringValue), path: path)
            node.typed = Int(exactly: number).map(Typed.int) ?? .double(number.doubleValue)
            return node
        default:
            return ConfigNode(value: .null, path: path)
        }
    }

    private static func convert(_ node: Yams.Node, file: String?, path: String) -> ConfigNode {
        let line = node.mark.map { $0.line }
        switch node {
        case .scalar(let scalar):
            let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
            var converted = ConfigNode(value: isNull ? .null : .scalar(scalar.string), file: file, line: line, path: path)
            converted.typed = typed(node, text: scalar.string)
            return converted
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

    /// Yams's own typing of a scalar (its resolver: `yes` is a bool, `0x1F` an int), as plain data.
    private static func typed(_ node: Yams.Node, text: String) -> Typed {
        switch node.any {
        case let flag as Bool: .bool(flag)
        case let integer as Int: .int(integer)
        case let number as Double: .double(number)
        case is NSNull: .null
        default: .string(text)
        }
    }

    private static func problem(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(error)"
        }
    }

    private static func mark(_ error: YamlError) -> Mark? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark
        default: nil
        }
    }
}
