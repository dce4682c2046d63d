/// An `http://` or `https://host[:port]/path` URL, checked when a channel is configured;
/// `hostHeader` names the peer in delivery errors.
struct HTTPTarget: Sendable, Hashable {
    var host: String
    var port: Int
    /// `https://`: the connection is TLS.
    var isTLS: Bool
    /// Path and query, at least `/`.
    var path: String

    init(url: String) throws(AlertingError) {
        let lower = url.lowercased()
        isTLS = lower.hasPrefix("https://")
        guard isTLS || lower.hasPrefix("http://") else {
            throw AlertingError(code: "invalid_url", message: "expected an http:// or https:// URL; got \"\(url)\"")
        }
        let defaultPort = isTLS ? 443 : 80
        let rest = url.dropFirst(isTLS ? "https://".count : "http://".count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        path = String(rest[authorityEnd...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? -1 : defaultPort
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = Int(authority[authority.index(after: colon)...]) ?? -1
        } else {
            host = String(authority)
            port = defaultPort
        }
        guard !host.isEmpty else { throw AlertingError(code: "invalid_url", message: "URL has no host: \"\(url)\"") }
        guard (1...65535).contains(port) else { throw AlertingError(code: "invalid_url", message: "URL has an invalid port: \"\(url)\"") }
    }

    /// The Host header value.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }
}
