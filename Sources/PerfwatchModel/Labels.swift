/// A metric's tags, kept sorted by key so equal label sets have one canonical form.
public struct Labels: Hashable, Sendable, Codable, CustomStringConvertible {
    public private(set) var pairs: [(key: String, value: String)]

    public init(_ dictionary: [String: String] = [:]) {
        pairs = dictionary.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    /// Pairs already sorted by key, without duplicates (checked in debug builds): one array
    /// for derivations whose keys are fixed, instead of a dictionary or a copy per `adding`.
    public init(sortedPairs: [(key: String, value: String)]) {
        assert(zip(sortedPairs, sortedPairs.dropFirst()).allSatisfy { $0.key < $1.key }, "keys must be sorted and unique")
        pairs = sortedPairs
    }

    /// These labels plus one pair (replacing the key's value if present), kept sorted without
    /// building a dictionary: derivations add a tag or two to a shared base per point.
    public func adding(_ key: String, _ value: String) -> Labels {
        var copy = self
        if let index = copy.pairs.firstIndex(where: { $0.key >= key }) {
            if copy.pairs[index].key == key {
                copy.pairs[index].value = value
            } else {
                copy.pairs.insert((key: key, value: value), at: index)
            }
        } else {
            copy.pairs.append((key: key, value: value))
        }
        return copy
    }

    public subscript(key: String) -> String? {
        pairs.first { $0.key == key }?.value
    }

    public var dictionary: [String: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { ($0.key, $0.value) })
    }

    public var isEmpty: Bool { pairs.isEmpty }
    public var count: Int { pairs.count }

    /// Stable text form used as the series identity, e.g. `method=GET,route=/a` with escaping.
    public var canonical: String {
        pairs.map { "\(Labels.escape($0.key))=\(Labels.escape($0.value))" }.joined(separator: ",")
    }

    public var description: String { "{" + canonical + "}" }

    /// Keeps only the given keys (missing keys become empty values so groups stay distinct).
    public func projected(onto keys: [String]) -> Labels {
        var result: [String: String] = [:]
        for key in keys { result[key] = self[key] ?? "" }
        return Labels(result)
    }

    public static func == (lhs: Labels, rhs: Labels) -> Bool {
        lhs.pairs.count == rhs.pairs.count
            && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for pair in pairs {
            hasher.combine(pair.key)
            hasher.combine(pair.value)
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try [String: String](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try dictionary.encode(to: encoder)
    }

    private static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "=" || $0 == "\\" }) else { return text }
        var out = ""
        for character in text {
            if character == "," || character == "=" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
