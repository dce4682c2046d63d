internal import Yams

/// Walks a Yams node tree keeping the dotted path (`config.phases[0].arrivalRate`) so every
/// error names the field, its line and column, and — for unknown keys — the valid ones.
struct YAMLReader {
    let node: Node
    let path: String

    init(_ node: Node, path: String) {
        self.node = node
        self.path = path
    }

    var location: String {
        guard let mark = node.mark else { return "" }
        return " (line \(mark.line), column \(mark.column))"
    }

    func fail(_ problem: String) -> LoadError {
        .config(path, problem + location)
    }

    /// The child readers of a mapping, after rejecting keys not in `allowed`.
    func mapping(allowed: [String]) throws(LoadError) -> [String: YAMLReader] {
        guard case .mapping(let mapping) = node else {
            throw fail("expected a mapping with keys \(allowed.joined(separator: ", ")), got \(kind)")
        }
        var result: [String: YAMLReader] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            let childPath = path.isEmpty ? name : "\(path).\(name)"
            guard allowed.contains(name) else {
                let mark = key.mark.map { " (line \($0.line), column \($0.column))" } ?? ""
                throw .config(childPath, "unknown key \"\(name)\"\(mark); valid keys: \(allowed.joined(separator: ", "))")
            }
            result[name] = YAMLReader(value, path: childPath)
        }
        return result
    }

    /// A mapping whose keys are free-form names (variables, headers).
    func pairs() throws(LoadError) -> [(key: String, value: YAMLReader)] {
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping, got \(kind)") }
        return mapping.map { (key: $0.key.string ?? "", value: YAMLReader($0.value, path: "\(path).\($0.key.string ?? "")")) }
    }

    func sequence() throws(LoadError) -> [YAMLReader] {
        guard case .sequence(let sequence) = node else { throw fail("expected a list, got \(kind)") }
        return sequence.enumerated().map { YAMLReader($0.element, path: "\(path)[\($0.offset)]") }
    }

    var isSequence: Bool {
        if case .sequence = node { return true }
        return false
    }

    func string() throws(LoadError) -> String {
        guard case .scalar(let scalar) = node else { throw fail("expected a text value, got \(kind)") }
        return scalar.string
    }

    func int(min: Int = 0) throws(LoadError) -> Int {
        let text = try string()
        guard let value = Int(text.trimmingSpaces()), value >= min else {
            throw .config(path, "expected a whole number ≥ \(min), got \"\(text)\"")
        }
        return value
    }

    func duration() throws(LoadError) -> Duration {
        let text = try string()
        guard let value = LoadNotation.duration(text) else {
            throw .config(path, "expected a duration like 500ms, 1s or 2m, got \"\(text)\"")
        }
        return value
    }

    func rate() throws(LoadError) -> Double {
        let text = try string()
        guard let value = LoadNotation.rate(text) else {
            throw .config(path, "expected a number like 50 or \"50/s\", got \"\(text)\"")
        }
        return value
    }

    /// The node as plain Swift values (for `json:` bodies).
    var any: Any { node.any }

    private var kind: String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .alias: "an alias"
        }
    }
}
