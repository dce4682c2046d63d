import PerfwatchEdgePolicy

/// What RFC 9111 and the route's cache rule allow for one request or response of a shared cache.
enum CacheAdmission {
    /// Statuses cacheable without explicit freshness (RFC 9110 §15.1), less 206: ranges are not stored.
    static let heuristicallyCacheable: Set<Int> = [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]

    /// Whether `request` goes around the cache: another method than GET/HEAD, `Authorization` or
    /// `Cookie` the rule does not allow, or the request's `no-store` (`directives`: the request's,
    /// empty under `override`).
    static func bypasses(_ request: EdgeRequest, rule: CacheRule, directives: CacheDirectives) -> Bool {
        if request.method != "GET", request.method != "HEAD" { return true }
        if request.header("authorization") != nil, !rule.allowAuthorized { return true }
        if request.header("cookie") != nil, !rule.ignoreCookies { return true }
        return directives.noStore
    }

    /// The response as an entry to store, or nil when it must not be stored: `private`, `Set-Cookie`,
    /// `no-store` (even under `override`, which only overrides freshness), `Vary: *`, an authorized request without `public`/
    /// `s-maxage`/`must-revalidate`, a status with neither default cacheability nor explicit freshness,
    /// or nothing to gain (no freshness, no validator, no stale window).
    static func entry(for response: EdgeResponse, request: EdgeRequest, rule: CacheRule, varyNames: [String],
                      nowMs: Int64) -> CachedResponse? {
        let directives = CacheDirectives(cacheControl: response.header("cache-control"), pragma: response.header("pragma"))
        // Every response that reaches here answers a GET the cache sent (a HEAD is fetched as one), so
        // the client's method is not checked: a HEAD that revalidates refreshes the entry too.
        guard !directives.isPrivate, response.header("set-cookie") == nil,
              !directives.noStore, !varyNames.contains("*")
        else { return nil }
        if request.header("authorization") != nil,
           !(directives.isPublic || directives.sharedMaxAgeSeconds != nil || directives.mustRevalidate) { return nil }
        guard let freshnessMs = freshnessMs(of: response, directives: directives, rule: rule, nowMs: nowMs) else { return nil }
        let mayServeStale = rule.override || !(directives.mustRevalidate || directives.noCache)
        let entry = CachedResponse(
            response: response,
            varyValues: CacheKey.varyValues(of: request, names: varyNames),
            storedAtMs: nowMs,
            initialAgeMs: initialAgeMs(of: response, nowMs: nowMs),
            freshnessMs: freshnessMs,
            staleWhileRevalidateMs: max(rule.staleWhileRevalidateMs, (directives.staleWhileRevalidateSeconds ?? 0) * 1000),
            staleIfErrorMs: max(rule.staleIfErrorMs, (directives.staleIfErrorSeconds ?? 0) * 1000),
            mayServeStale: mayServeStale
        )
        let hasValidator = response.header("etag") != nil || response.header("last-modified") != nil
        let servableStale = mayServeStale && (entry.staleWhileRevalidateMs > 0 || entry.staleIfErrorMs > 0)
        guard entry.freshnessMs > entry.initialAgeMs || hasValidator || servableStale else { return nil }
        return entry
    }

    /// The freshness lifetime (RFC 9111 §4.2.1): with `override` the rule's ttl; else `no-cache` → 0 (store,
    /// revalidate every time), `s-maxage` > `max-age` > `Expires` − `Date` > the rule's ttl (only for a
    /// status cacheable by default); nil when the response may not be stored at all.
    static func freshnessMs(of response: EdgeResponse, directives: CacheDirectives, rule: CacheRule, nowMs: Int64) -> Int64? {
        let byDefault = heuristicallyCacheable.contains(response.status)
        if rule.override { return byDefault ? rule.ttlMs : nil }
        if directives.noCache { return byDefault || directives.isPublic ? 0 : nil }
        if let seconds = directives.sharedMaxAgeSeconds ?? directives.maxAgeSeconds { return seconds * 1000 }
        if let expires = response.header("expires") {
            // An invalid Expires (often "0") means already expired (§5.3).
            guard let expiresMs = HTTPDate.parseMs(expires) else { return 0 }
            let dateMs = response.header("date").flatMap(HTTPDate.parseMs) ?? nowMs
            return max(0, expiresMs - dateMs)
        }
        // `public` makes any status heuristically cacheable (§4.2.2).
        return byDefault || directives.isPublic ? rule.ttlMs : nil
    }

    /// `Age`, or the apparent age from `Date` when larger (§4.2.3).
    static func initialAgeMs(of response: EdgeResponse, nowMs: Int64) -> Int64 {
        let ageMs = (CacheDirectives.seconds(response.header("age")?.trimmedOWS) ?? 0) * 1000
        let apparentMs = response.header("date").flatMap(HTTPDate.parseMs).map { max(0, nowMs - $0) } ?? 0
        return max(ageMs, apparentMs)
    }
}
