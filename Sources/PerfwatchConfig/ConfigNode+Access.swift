public import Foundation
public import PerfwatchModel

// MARK: - Typed access that reports file, line and field on failure

extension ConfigNode {
    public var isNull: Bool { if case .null = value { true } else { false } }

    public var isSequence: Bool { if case .sequence = value { true } else { false } }

    /// The value for `key` in a mapping; `nil` when absent or explicitly null.
    public subscript(key: String) -> ConfigNode? {
        guard case .mapping(let pairs) = value, let found = pairs.first(where: { $0.key == key })?.value else { return nil }
        return found.isNull ? nil : found
    }

    /// An error at this node: `file:line: path: message`.
    public func invalid(_ message: String, code: String = "invalid_field") -> ConfigError {
        ConfigError(code: code, message: message, file: file, line: line, field: path)
    }

    /// A stand-in node for a missing key, so "required" errors point at the parent's line.
    public func missing(_ key: String) -> ConfigNode {
        ConfigNode(value: .null, file: file, line: line, path: path.isEmpty ? key : "\(path).\(key)")
    }

    public func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let node = self[key] else { throw missing(key).invalid("required field is missing") }
        return node
    }

    /// Rejects keys the schema does not know, naming the first one and listing the valid ones
    /// (typos like `treshold` would otherwise silently change what the file means).
    public func checkKeys(_ allowed: [String]) throws(ConfigError) {
        guard case .mapping(let pairs) = value else {
            throw invalid("expected a mapping with keys \(allowed.joined(separator: ", ")), got \(kindName)")
        }
        for (key, node) in pairs where !allowed.contains(key) {
            throw node.invalid("unknown key \"\(key)\"; valid keys: \(allowed.joined(separator: ", "))")
        }
    }

    public func mapping() throws(ConfigError) -> [(key: String, value: ConfigNode)] {
        guard case .mapping(let pairs) = value else { throw invalid("expected a mapping, got \(kindName)") }
        return pairs
    }

    public func sequence() throws(ConfigError) -> [ConfigNode] {
        guard case .sequence(let items) = value else { throw invalid("expected a list, got \(kindName)") }
        return items
    }

    public func string() throws(ConfigError) -> String {
        guard case .scalar(let text) = value else { throw invalid("expected a string, got \(kindName)") }
        return text
    }

    public func double() throws(ConfigError) -> Double {
        let text = try string()
        guard let number = Double(text.replacingOccurrences(of: "_", with: "")), number.isFinite else {
            throw invalid("expected a number, got \"\(text)\"")
        }
        return number
    }

    public func bool() throws(ConfigError) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        case let other: throw invalid("expected true or false, got \"\(other)\"")
        }
    }

    /// An integer; with `min`, one at least that large.
    public func int(min: Int? = nil) throws(ConfigError) -> Int {
        let text = try string()
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw invalid(min.map { "expected a whole number ≥ \($0), got \"\(text)\"" } ?? "expected an integer, got \"\(text)\"")
        }
        if let min, number < min { throw invalid("expected a whole number ≥ \(min), got \"\(text)\"") }
        return number
    }

    /// A duration in the one grammar (`DurationText`).
    public func duration(bareNumbers: DurationText.BareNumbers = .refused) throws(ConfigError) -> Duration {
        let text = try string()
        do {
            return try DurationText.parse(text, bareNumbers: bareNumbers)
        } catch {
            throw invalid(error.explaining("expected a duration like 500ms, 1.5s, 5m or 1h30m, got \"\(text)\""))
        }
    }

    /// A list of strings; a single string is a list of one.
    public func stringList() throws(ConfigError) -> [String] {
        if case .scalar(let single) = value { return [single] }
        return try sequence().map { node throws(ConfigError) in try node.string() }
    }

    public func stringMap() throws(ConfigError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, node) in try mapping() {
            result[key] = node.isNull ? "" : try node.string()
        }
        return result
    }

    /// The node as plain Foundation values (`[String: Any]`, `[Any]`, `String`, `Int`, `Double`,
    /// `Bool`, `NSNull`), typed as YAML types them: for data passed on as JSON.
    public var plainValue: Any {
        switch value {
        case .null: return NSNull()
        case .sequence(let items): return items.map(\.plainValue)
        case .mapping(let pairs): return Dictionary(pairs.map { ($0.key, $0.value.plainValue) }, uniquingKeysWith: { _, last in last })
        case .scalar(let text):
            switch typed ?? .string(text) {
            case .string(let string): return string
            case .int(let integer): return integer
            case .double(let number): return number
            case .bool(let flag): return flag
            case .null: return NSNull()
            }
        }
    }

    /// How a value is named in "expected …, got …".
    public var kindName: String {
        switch value {
        case .null: "nothing"
        case .scalar(let text): "\"\(text)\""
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}

extension ConfigError {
    /// `node.invalid(message)`, in the form `throw .invalid(node, "…")`.
    public static func invalid(_ node: ConfigNode, _ message: String) -> ConfigError { node.invalid(message) }
}
