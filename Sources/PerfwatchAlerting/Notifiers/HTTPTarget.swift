/// An `http://host[:port]/path` URL, split for the NIO client. `https://` is refused with
/// a clear message: this build carries no TLS library.
struct HTTPTarget: Sendable, Hashable {
    var host: String
    var port: Int
    /// Path and query, at least `/`.
    var path: String

    init(url: String) throws(AlertingError) {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") {
            throw AlertingError(code: "https_unsupported", message: "https:// is not supported in this build (no TLS library); use an http:// URL, e.g. through a local relay")
        }
        guard lower.hasPrefix("http://") else {
            throw AlertingError(code: "invalid_url", message: "expected an http:// URL; got \"\(url)\"")
        }
        let rest = url.dropFirst("http://".count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        path = String(rest[authorityEnd...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? -1 : 80
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = Int(authority[authority.index(after: colon)...]) ?? -1
        } else {
            host = String(authority)
            port = 80
        }
        guard !host.isEmpty else { throw AlertingError(code: "invalid_url", message: "URL has no host: \"\(url)\"") }
        guard (1...65535).contains(port) else { throw AlertingError(code: "invalid_url", message: "URL has an invalid port: \"\(url)\"") }
    }

    /// The Host header value.
    var hostHeader: String { port == 80 ? host : "\(host):\(port)" }
}
