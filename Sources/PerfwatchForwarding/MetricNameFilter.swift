/// A destination's `metrics:` patterns: `*` matches any run of characters, `?` one character;
/// a leading `!` excludes. With any include pattern a name must match one of them; a name that
/// matches an exclude pattern is never forwarded. No patterns: every metric.
public struct MetricNameFilter: Sendable, Equatable {
    public private(set) var includes: [String] = []
    public private(set) var excludes: [String] = []

    public init(patterns: [String] = []) {
        for pattern in patterns {
            if pattern.hasPrefix("!") { excludes.append(String(pattern.dropFirst())) } else { includes.append(pattern) }
        }
    }

    public func allows(_ name: String) -> Bool {
        let characters = Array(name.utf8)
        if excludes.contains(where: { Self.matches(Array($0.utf8), characters) }) { return false }
        return includes.isEmpty || includes.contains(where: { Self.matches(Array($0.utf8), characters) })
    }

    /// Glob matching with one backtracking point per `*` (linear in practice, no recursion).
    static func matches(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0
        var t = 0
        var star = -1
        var resume = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                star = p
                resume = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
