import PerfwatchEdgePolicy

/// One stored response with what its freshness was computed from (RFC 9111 §4.2).
struct CachedResponse: Sendable {
    var response: EdgeResponse
    /// The request values of the headers this variant was selected by (`Vary` and the rule's `vary`).
    var varyValues: [String]
    /// When the response arrived, and its age then (`Age`, or how far `Date` lies behind our clock).
    var storedAtMs: Int64
    var initialAgeMs: Int64
    var freshnessMs: Int64
    var staleWhileRevalidateMs: Int64
    var staleIfErrorMs: Int64
    /// False under `must-revalidate`/`proxy-revalidate`/`no-cache`: never served stale.
    var mayServeStale: Bool

    func ageMs(at nowMs: Int64) -> Int64 { initialAgeMs + max(0, nowMs - storedAtMs) }
    func isFresh(at nowMs: Int64) -> Bool { ageMs(at: nowMs) < freshnessMs }

    func withinStaleWhileRevalidate(at nowMs: Int64) -> Bool {
        mayServeStale && ageMs(at: nowMs) < freshnessMs + staleWhileRevalidateMs
    }

    func withinStaleIfError(at nowMs: Int64) -> Bool {
        mayServeStale && ageMs(at: nowMs) < freshnessMs + staleIfErrorMs
    }

    /// Bodies and header text: what counts against the cache's bounds.
    var bytes: Int {
        response.body.count + response.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            + varyValues.reduce(0) { $0 + $1.utf8.count }
    }
}

/// Every stored variant of one URL, selected by the same header names (the latest response's `Vary`
/// plus the rule's `vary`). The LRU evicts a URL with all its variants.
struct CachedVariants: Sendable {
    var varyNames: [String]
    var variants: [CachedResponse]

    var bytes: Int { variants.reduce(0) { $0 + $1.bytes } }

    func variant(for request: EdgeRequest) -> CachedResponse? {
        let wanted = CacheKey.varyValues(of: request, names: varyNames)
        return variants.first { $0.varyValues == wanted }
    }
}

enum CacheKey {
    /// The primary key: stored responses are GET responses (a HEAD is answered from them), so the
    /// target alone names the URL.
    static func primary(_ request: EdgeRequest) -> String { request.target }

    /// `Vary` and the rule's extra names, lowercased, in a stable order, without duplicates.
    static func varyNames(response: EdgeResponse?, rule: CacheRule) -> [String] {
        names(response?.header("vary")?.headerListElements.map { $0.lowercased() } ?? [], rule: rule)
    }

    /// `known` lowercased names with the rule's (lowercased when the rule is made), sorted, once each.
    static func names(_ known: [String], rule: CacheRule) -> [String] { Array(Set(known + rule.vary)).sorted() }

    /// The request's values for `names`, white space normalised (RFC 9111 §4.1 allows it); an absent
    /// header and an empty one differ.
    static func varyValues(of request: EdgeRequest, names: [String]) -> [String] {
        names.map { name in
            guard let value = request.header(name) else { return "\u{0}" }
            return value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        }
    }
}
