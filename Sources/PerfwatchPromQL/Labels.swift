/// One label pair.
public struct Label: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A label set kept sorted by name (at most one value per name), so equal sets compare and hash equal
/// whatever order they were built in. `__name__` is an ordinary label here, as in Prometheus.
public struct Labels: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let metricName = "__name__"

    public private(set) var pairs: [Label]

    public init(_ pairs: [Label] = []) {
        var unique: [String: String] = [:]
        for pair in pairs { unique[pair.name] = pair.value }
        self.pairs = unique.filter { !$0.value.isEmpty }.map { Label($0.key, $0.value) }.sorted { $0.name < $1.name }
    }

    public init(_ dictionary: [String: String]) {
        self.init(dictionary.map { Label($0.key, $0.value) })
    }

    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// The value Prometheus matchers see: a missing label is the empty string.
    public func value(of name: String) -> String { self[name] ?? "" }

    public var metricName: String? { self[Self.metricName] }

    /// Sets a label; an empty value removes it (Prometheus never keeps empty labels).
    public mutating func set(_ name: String, _ value: String) {
        pairs.removeAll { $0.name == name }
        guard !value.isEmpty else { return }
        let index = pairs.firstIndex { $0.name > name } ?? pairs.endIndex
        pairs.insert(Label(name, value), at: index)
    }

    public func removing(_ names: Set<String>) -> Labels {
        var copy = self
        copy.pairs.removeAll { names.contains($0.name) }
        return copy
    }

    public func keeping(_ names: Set<String>) -> Labels {
        var copy = self
        copy.pairs.removeAll { !names.contains($0.name) }
        return copy
    }

    public var droppingMetricName: Labels { removing([Self.metricName]) }

    public static func < (lhs: Labels, rhs: Labels) -> Bool {
        for (left, right) in zip(lhs.pairs, rhs.pairs) {
            if left.name != right.name { return left.name < right.name }
            if left.value != right.value { return left.value < right.value }
        }
        return lhs.pairs.count < rhs.pairs.count
    }

    /// Prometheus' form: `name{a="b", c="d"}`, `{}` for the empty set.
    public var description: String {
        let rest = pairs.filter { $0.name != Self.metricName }
            .map { "\($0.name)=\(quotedPromQLString($0.value))" }
        let name = metricName ?? ""
        if rest.isEmpty { return name.isEmpty ? "{}" : name }
        return name + "{" + rest.joined(separator: ", ") + "}"
    }
}

/// Go's `%q` for the characters label values carry: the form the parser reads back.
func quotedPromQLString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
