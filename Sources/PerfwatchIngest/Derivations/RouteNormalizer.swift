import Foundation

/// Turns concrete URL paths into route patterns when a span has no `http.route`:
/// numeric ids, UUIDs and long hex tokens become `:id`, query strings are dropped.
public enum RouteNormalizer {
    public static func pattern(forPath path: String) -> String {
        var path = path
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<query]) }
        if let scheme = path.range(of: "://") {
            let afterHost = path[scheme.upperBound...].firstIndex(of: "/")
            path = afterHost.map { String(path[$0...]) } ?? "/"
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> Substring in
            isIdentifier(segment) ? ":id" : segment
        }
        let joined = segments.joined(separator: "/")
        return joined.isEmpty ? "/" : joined
    }

    static func isIdentifier(_ segment: Substring) -> Bool {
        guard !segment.isEmpty else { return false }
        if segment.allSatisfy(\.isNumber) { return true }
        let hexDigits = segment.filter { $0.isHexDigit }
        // UUIDs (8-4-4-4-12) and hex tokens of 16+ characters (object ids, hashes).
        if segment.count == 36, segment.filter({ $0 == "-" }).count == 4, hexDigits.count == 32 { return true }
        return segment.count >= 16 && hexDigits.count == segment.count && segment.contains(where: \.isNumber)
    }
}
