/// The `Cache-Control` directives a shared cache acts on (RFC 9111 §5.2), parsed from a request or a
/// response, with `Pragma: no-cache` read as `no-cache` when there is no `Cache-Control` (§5.4).
struct CacheDirectives: Equatable {
    var noStore = false
    var noCache = false
    var isPrivate = false
    var isPublic = false
    var mustRevalidate = false
    var noTransform = false
    var maxAgeSeconds: Int64?
    var sharedMaxAgeSeconds: Int64?
    var staleWhileRevalidateSeconds: Int64?
    var staleIfErrorSeconds: Int64?

    init() {}

    init(cacheControl: String?, pragma: String? = nil) {
        guard let cacheControl else {
            noCache = pragma?.headerListElements.contains { $0.lowercased() == "no-cache" } ?? false
            return
        }
        for (name, value) in Self.parse(cacheControl) {
            switch name {
            case "no-store": noStore = true
            // `no-cache="Set-Cookie"` (a field list) is treated like plain no-cache: stricter, still correct.
            case "no-cache": noCache = true
            case "private": isPrivate = true
            case "public": isPublic = true
            case "must-revalidate", "proxy-revalidate": mustRevalidate = true
            case "no-transform": noTransform = true
            case "max-age": maxAgeSeconds = Self.seconds(value) ?? 0
            case "s-maxage": sharedMaxAgeSeconds = Self.seconds(value) ?? 0
            case "stale-while-revalidate": staleWhileRevalidateSeconds = Self.seconds(value)
            case "stale-if-error": staleIfErrorSeconds = Self.seconds(value)
            default: continue
            }
        }
    }

    /// The most restrictive directive present, as the edge's span attribute `perfwatch.edge.cache_control` names it.
    var mostRestrictive: String {
        if noStore { return "no-store" }
        if isPrivate { return "private" }
        if noCache { return "no-cache" }
        if maxAgeSeconds != nil || sharedMaxAgeSeconds != nil { return "max-age" }
        if isPublic { return "public" }
        return "none"
    }

    /// Directive name (lowercased) → argument (quotes removed), in order; commas inside a quoted
    /// argument do not split.
    static func parse(_ text: String) -> [(name: String, value: String?)] {
        var result: [(name: String, value: String?)] = []
        var element = ""
        var inQuotes = false
        var escaped = false
        func flush() {
            let parts = element.split(separator: "=", maxSplits: 1)
            let name = parts.first.map(\.trimmedOWS)?.lowercased() ?? ""
            if !name.isEmpty {
                var value = parts.count == 2 ? parts[1].trimmedOWS : nil
                if let quoted = value, quoted.count >= 2, quoted.hasPrefix("\""), quoted.hasSuffix("\"") {
                    value = String(quoted.dropFirst().dropLast()).replacingBackslashEscapes
                }
                result.append((name, value))
            }
            element = ""
        }
        for character in text {
            if escaped { escaped = false } else if inQuotes, character == "\\" { escaped = true } else if character == "\"" {
                inQuotes.toggle()
            } else if character == ",", !inQuotes {
                flush()
                continue
            }
            element.append(character)
        }
        flush()
        return result
    }

    /// A delta-seconds argument (RFC 9111 §1.2.2): digits only; too large saturates.
    static func seconds(_ text: String?) -> Int64? {
        guard let text, !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else { return nil }
        return Int64(text) ?? Int64(Int32.max)
    }
}

extension String {
    /// `a\"b` → `a"b` inside a quoted-string.
    fileprivate var replacingBackslashEscapes: String {
        var result = ""
        var escaped = false
        for character in self {
            if !escaped, character == "\\" { escaped = true; continue }
            escaped = false
            result.append(character)
        }
        return result
    }
}
