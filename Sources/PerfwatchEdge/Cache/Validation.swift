import PerfwatchEdgePolicy

/// Conditional requests: the cache's own revalidation upstream (RFC 9111 §4.3.1, §4.3.4) and the
/// client's conditionals answered from a response the cache holds (§4.3.2).
enum Validation {
    static let conditionalHeaders: Set = ["if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range"]

    /// The request the cache sends upstream to fill or refresh an entry: a GET (a HEAD is answered from
    /// it) without the client's conditionals (the cache needs the whole response to store it), with the
    /// stored validators when there is an entry to revalidate.
    static func upstreamRequest(for request: EdgeRequest, revalidating entry: CachedResponse? = nil) -> EdgeRequest {
        var upstream = request
        upstream.method = "GET"
        // One pass over the fields (names are lowercase in an EdgeRequest), not one per header name.
        upstream.headers.removeAll { conditionalHeaders.contains($0.name) }
        if let entry {
            upstream.setHeader("if-none-match", entry.response.header("etag"))
            upstream.setHeader("if-modified-since", entry.response.header("last-modified"))
        }
        return upstream
    }

    /// Fields a 304 never changes in a stored entry: the body's framing, and what describes the bytes the
    /// edge stored — a compressed or transcoded variant has its own `Content-Type`, `Content-Encoding`
    /// and weak `ETag` (RFC 9110 §7.7: the proxy transformed it); the upstream's 304 speaks of its original.
    static let keptOnRefresh: Set = ["content-length", "content-encoding", "transfer-encoding", "content-range", "content-type", "etag"]

    /// The stored entry refreshed by a 304: its header fields updated from the 304's (except
    /// `keptOnRefresh`), its age and freshness recomputed as if it had just arrived.
    static func refreshed(_ entry: CachedResponse, with notModified: EdgeResponse, request: EdgeRequest, rule: CacheRule,
                          varyNames: [String], nowMs: Int64) -> CachedResponse? {
        var merged = entry.response
        for name in Set(notModified.headers.map(\.name)) where !keptOnRefresh.contains(name) {
            merged.setHeader(name, notModified.header(name))
        }
        merged.setHeader("age", notModified.header("age"))
        return CacheAdmission.entry(for: merged, request: request, rule: rule, varyNames: varyNames, nowMs: nowMs)
    }

    /// The response as the client gets it: `Age` set when it comes from the cache, no body for HEAD, and a
    /// 304 when the client's own `If-None-Match` (weak comparison) or `If-Modified-Since` matches.
    static func answer(_ response: EdgeResponse, to request: EdgeRequest, ageMs: Int64?) -> EdgeResponse {
        var result = response
        if let ageMs { result.setHeader("age", String(max(0, ageMs) / 1000)) }
        if request.method == "HEAD" { result.body = [] }
        guard (200..<300).contains(response.status), clientValidatorMatches(request, response) else { return result }
        var notModified = EdgeResponse(status: 304, headers: result.headers)
        notModified.setHeader("content-length", nil)
        return notModified
    }

    static func clientValidatorMatches(_ request: EdgeRequest, _ response: EdgeResponse) -> Bool {
        if let ifNoneMatch = request.header("if-none-match") {
            guard let etag = response.header("etag") else { return false }
            let wanted = ifNoneMatch.headerListElements
            return wanted.contains("*") || wanted.contains { opaque($0) == opaque(etag) }
        }
        if let since = request.header("if-modified-since").flatMap(HTTPDate.parseMs),
           let modified = response.header("last-modified").flatMap(HTTPDate.parseMs) {
            return modified <= since
        }
        return false
    }

    /// The entity tag without its weakness marker (weak comparison, RFC 9110 §8.8.3.2).
    private static func opaque(_ tag: String) -> String { tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }
}
