import PerfwatchEdgePolicy
public import PerfwatchModel
public import PerfwatchQuery

/// `edge_cache`: GET routes behind `perfwatch edge` whose responses repeat — at least
/// `minRequests` in the window, at least `minIdenticalShare` of repeated URLs answered with the
/// same body as last time, no `Set-Cookie`, no `private`/`no-store`/`no-cache`, at most
/// `maxAuthorizedShare` of requests with `Authorization`, and no cache rule on the route yet
/// (every request's cache outcome is NONE). The TTL is the longest of 60/30/15/10/5 s that is
/// at most half the time a URL's body stays the same; none fits → no recommendation. The
/// estimate: request rate, p95 now → the p95 of the service's cache hits (or, with none yet, of
/// its fastest 1% of requests: what the edge answers in without the upstream), and fewer
/// upstream requests (one per URL per TTL, at most the identical share).
public struct EdgeCacheAnalyzer: Analyzer {
    public var minRequests = 200.0
    public var minIdenticalShare = 0.9
    public var maxAuthorizedShare = 0.05
    /// Below this expected cut in upstream requests caching is not worth a policy.
    public var minUpstreamReduction = 0.2
    static let ttlChoices = [60, 30, 15, 10, 5]
    /// The upstream's own word against a TTL: `private` and `no-store` forbid a shared cache;
    /// `no-cache` asks it to revalidate every time, which a rule without `override` keeps doing
    /// (no gain), and overriding what the upstream said explicitly is not for the data to decide.
    static let restrictive: Set<String> = ["private", "no-store", "no-cache"]
    let engine: QueryEngine

    public init(engine: QueryEngine) { self.engine = engine }

    public var types: Set<String> { ["edge_cache"] }

    struct Responses {
        var total = 0.0, same = 0.0, changed = 0.0, first = 0.0, authorized = 0.0
        var setsCookies = false, restricted = false
    }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        let key = ["service", "route", "method"]
        let get = [TagFilter(key: "method", value: "GET")]
        let responses = try await engine.table(
            "edge.responses", [.sum], by: key + ["repeat", "cache_control", "set_cookie", "authorized"], filters: get,
            from: context.from, to: context.to, nowMs: context.nowMs)[0]
        var routes: [Labels: Responses] = [:]
        for (labels, count) in responses {
            let route = labels.projected(onto: key)
            var entry = routes[route] ?? Responses()
            entry.total += count
            switch labels["repeat"] ?? "" {
            case "same": entry.same += count
            case "changed": entry.changed += count
            case "first": entry.first += count
            default: break
            }
            if labels["authorized"] == "true" { entry.authorized += count }
            if labels["set_cookie"] == "true", count > 0 { entry.setsCookies = true }
            if Self.restrictive.contains(labels["cache_control"] ?? ""), count > 0 { entry.restricted = true }
            routes[route] = entry
        }
        let candidates = routes.filter { _, entry in
            let repeated = entry.same + entry.changed
            return entry.total >= minRequests && repeated > 0 && entry.same / repeated >= minIdenticalShare && !entry.setsCookies
                && !entry.restricted && entry.authorized / entry.total <= maxAuthorizedShare
        }
        guard !candidates.isEmpty else { return [] }
        let durations = try await engine.table(
            "edge.request.duration", [.percentile(0.95), .count], by: key + ["cache"], filters: get, from: context.from, to: context.to,
            nowMs: context.nowMs)
        // Only the hits are read: what a hit costs per service.
        let hits = try await engine.table(
            "edge.request.duration", [.percentile(0.95), .count], by: ["service"], filters: [TagFilter(key: "cache", value: "HIT")],
            from: context.from, to: context.to, nowMs: context.nowMs)
        let fastest = try await engine.table(
            "edge.request.duration", [.percentile(0.01)], by: ["service"], from: context.from, to: context.to, nowMs: context.nowMs)[0]
        let active = try await EdgeRecommendation.activeSeconds(
            engine, metric: "edge.responses", by: key, filters: get, context: context)
        // Routes that already have a cache rule (some outcome other than NONE), found once.
        let ruled = Set(durations[1].compactMap { labels, count in labels["cache"] != "NONE" && count > 0 ? labels.projected(onto: key) : nil })
        var findings: [PerformanceIssue] = []
        for (route, entry) in candidates {
            guard !ruled.contains(route), let p95Now = durations[0][route.adding("cache", "NONE")], let seconds = active[route], seconds > 0
            else { continue }
            let service = route["service"] ?? ""
            let repeated = entry.same + entry.changed
            let identical = entry.same / repeated
            let perSecond = entry.total / seconds
            // Distinct URLs ≈ first sightings (at least 1); a URL's body stays the same for
            // about urls / (changed per second) seconds.
            let urls = max(1, entry.first)
            let unchangedSeconds = entry.changed > 0 ? urls * seconds / entry.changed : .infinity
            guard let ttl = Self.ttlChoices.first(where: { Double($0) <= unchangedSeconds / 2 }) else { continue }
            let reduction = min(identical, max(0, 1 - urls / (perSecond * Double(ttl))))
            guard reduction >= minUpstreamReduction else { continue }
            let hitKey = Labels(["service": service])
            let hitCount = hits[1][hitKey] ?? 0
            let hitSource = hitCount >= 20 ? "cache_hits" : "fastest_requests"
            let hitP95 = min(p95Now, hitCount >= 20 ? hits[0][hitKey] ?? p95Now : fastest[Labels(["service": service])] ?? p95Now)
            // The fastest requests still include an upstream's time: a bound, said as one.
            let hitText = (hitCount >= 20 ? "" : "≤ ") + EdgeRecommendation.ms(hitP95)
            let path = route["route"] ?? ""
            let change = EdgePolicyChange(routes: [
                RouteRule(match: path, methods: ["GET", "HEAD"], cache: CacheRule(ttlMs: Int64(ttl) * 1000, staleWhileRevalidateMs: Int64(ttl) * 500))
            ])
            findings.append(
                PerformanceIssue(
                    fingerprint: "edge_cache|\(service)|\(path)", type: "edge_cache",
                    title: "Cache GET \(path) for \(ttl) s: \(EdgeRecommendation.percent(identical)) of its responses in \(EdgeRecommendation.window(context)) were identical",
                    description: "\(Int(entry.total)) GET requests (\(EdgeRecommendation.rate(perSecond))) through the edge of \(service); of the responses to a URL seen before, \(Int(entry.same)) repeated the previous body and \(Int(entry.changed)) changed it; no Set-Cookie, no private, no-store or no-cache, \(EdgeRecommendation.percent(entry.authorized / entry.total)) with Authorization.",
                    recommendation: "Cache GET \(path) at the edge for \(ttl) s (stale-while-revalidate \(EdgeRecommendation.seconds(Double(ttl) / 2))): \(EdgeRecommendation.rate(perSecond)); expected p95 \(EdgeRecommendation.ms(p95Now)) → \(hitText) for hits, \(EdgeRecommendation.percent(reduction)) fewer upstream requests. Applying it publishes: \(change.summary).",
                    severity: Severity.forImpact(p95Now >= 100 ? .warning : .info, impactMs: max(0, p95Now - hitP95)), service: service, route: path, impactMs: max(0, p95Now - hitP95),
                    evidence: Format.evidence([
                        "requests": Format.number(entry.total), "requestsPerSecond": Format.number(perSecond),
                        "identicalShare": Format.number(identical), "same": Format.number(entry.same),
                        "changed": Format.number(entry.changed), "urls": Format.number(urls),
                        "authorizedShare": Format.number(entry.authorized / entry.total), "ttlSeconds": Format.number(Double(ttl)),
                        "p95Ms": Format.number(p95Now), "expectedHitP95Ms": Format.number(hitP95),
                        "expectedHitP95From": Format.string(hitSource), "upstreamReduction": Format.number(reduction),
                        "policy_change": change.jsonText,
                    ])))
        }
        return findings.sorted { $0.fingerprint < $1.fingerprint }
    }
}
