/// Turns concrete URL paths into route patterns when a span has no `http.route`:
/// numeric ids, UUIDs and long hex tokens become `:id`, query strings are dropped.
///
/// Works on the UTF-8 bytes: it runs for every beacon and for every server span without a
/// route, and walking `Character`s was most of deriving a beacon's series (profile,
/// 2026-11-23). Identifiers are ASCII (digits, hex, dashes), so bytes lose nothing.
public enum RouteNormalizer {
    static let slash = UInt8(ascii: "/")

    public static func pattern(forPath path: String) -> String {
        var utf8 = Array(path.utf8)
        if let query = utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            utf8.removeSubrange(query...)
        }
        if let scheme = schemeEnd(utf8) {
            // An absolute URL: keep the path after the host.
            if let afterHost = utf8[scheme...].firstIndex(of: slash) { utf8.removeSubrange(..<afterHost) } else { utf8 = [slash] }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var start = 0
        while true {
            let end = utf8[start...].firstIndex(of: slash) ?? utf8.count
            let segment = utf8[start..<end]
            if isIdentifier(segment) { out += [UInt8(ascii: ":"), UInt8(ascii: "i"), UInt8(ascii: "d")] } else { out += segment }
            guard end < utf8.count else { break }
            out.append(slash)
            start = end + 1
        }
        return out.isEmpty ? "/" : String(decoding: out, as: UTF8.self)
    }

    /// The index just past `://`, if the text has one.
    static func schemeEnd(_ utf8: [UInt8]) -> Int? {
        guard utf8.count >= 3 else { return nil }
        for index in 0...(utf8.count - 3)
        where utf8[index] == UInt8(ascii: ":") && utf8[index + 1] == slash && utf8[index + 2] == slash {
            return index + 3
        }
        return nil
    }

    static func isIdentifier(_ segment: ArraySlice<UInt8>) -> Bool {
        guard !segment.isEmpty else { return false }
        var digits = 0
        var hex = 0
        var dashes = 0
        for byte in segment {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                hex += 1
            case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): hex += 1
            case UInt8(ascii: "-"): dashes += 1
            default: return false  // not digits, hex or dashes: never an identifier
            }
        }
        if digits == segment.count { return true }
        // UUIDs (8-4-4-4-12) and hex tokens of 16+ characters (object ids, hashes).
        if segment.count == 36, dashes == 4, hex == 32 { return true }
        return segment.count >= 16 && hex == segment.count && digits > 0
    }
}
