@testable import PerfwatchEdge
import PerfwatchEdgePolicy
import Testing

/// Vary, coalescing of concurrent misses, the LRU bound, purge and the statistics.
@Suite struct CacheSharingTests {
    let clock = ManualClock()

    @Test func varySelectsVariantsByTheNominatedHeaders() async throws {
        let cache = makeCache(clock)
        let upstream = FakeUpstream { request in
            EdgeResponse(status: 200, headers: [("Cache-Control", "max-age=60"), ("Vary", "Accept-Language")],
                         body: Array((request.header("accept-language") ?? "none").utf8))
        }
        let rule = CacheRule(ttlMs: 0)
        for language in ["en", "fr", "en", "fr"] {
            let (response, _) = try await cache.respond(to: get("/a", [("Accept-Language", language)]), rule: rule, fetch: upstream.fetch)
            #expect(bodyText(response) == language)
        }
        #expect(upstream.fetches == 2)
        let (_, spaced) = try await cache.respond(to: get("/a", [("accept-language", "en")]), rule: rule, fetch: upstream.fetch)
        #expect(spaced == .hit)
        let (none, outcome) = try await cache.respond(to: get("/a"), rule: rule, fetch: upstream.fetch)
        #expect(outcome == .miss)
        #expect(bodyText(none) == "none")
        #expect(cache.statistics.entries == 3)
    }

    @Test func theRulesVaryAddsHeadersToTheKey() async throws {
        let cache = makeCache(clock)
        let upstream = FakeUpstream { request in
            EdgeResponse(status: 200, headers: [("Cache-Control", "max-age=60")], body: Array((request.header("x-tenant") ?? "-").utf8))
        }
        let rule = CacheRule(ttlMs: 0, vary: ["X-Tenant"])
        let (a, _) = try await cache.respond(to: get("/a", [("X-Tenant", "a")]), rule: rule, fetch: upstream.fetch)
        let (b, outcome) = try await cache.respond(to: get("/a", [("X-Tenant", "b")]), rule: rule, fetch: upstream.fetch)
        #expect(bodyText(a) == "a")
        #expect(bodyText(b) == "b")
        #expect(outcome == .miss)
    }

    @Test(arguments: [2, 10, 50])
    func concurrentMissesOfOneURLMakeOneFetch(_ clients: Int) async throws {
        let cache = makeCache(clock)
        let gate = Gate()
        let upstream = FakeUpstream { _ in
            await gate.wait()
            return EdgeResponse(status: 200, headers: [("Cache-Control", "max-age=60")], body: Array("shared".utf8))
        }
        let outcomes = try await withThrowingTaskGroup(of: (String, ResponseCache.Outcome).self) { group in
            for _ in 0..<clients {
                group.addTask {
                    let (response, outcome) = try await cache.respond(to: get("/hot"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
                    return (bodyText(response), outcome)
                }
            }
            try await waitUntil { upstream.fetches == 1 }
            try await Task.sleep(for: .milliseconds(50))  // let every client reach the cache
            gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(upstream.fetches == 1)
        #expect(outcomes.allSatisfy { $0.0 == "shared" })
        #expect(outcomes.filter { $0.1 == .miss }.count == 1)
        #expect(cache.statistics.hits == clients - 1)
    }

    @Test func followersDoNotShareAResponseThatIsNotStorable() async throws {
        let cache = makeCache(clock)
        let gate = Gate()
        let upstream = FakeUpstream { _ in
            await gate.wait()
            return EdgeResponse(status: 200, headers: [("Set-Cookie", "sid=secret")], body: Array("mine".utf8))
        }
        async let first = cache.respond(to: get("/me"), rule: CacheRule(ttlMs: 60_000), fetch: upstream.fetch)
        try await waitUntil { upstream.fetches == 1 }
        async let second = cache.respond(to: get("/me"), rule: CacheRule(ttlMs: 60_000), fetch: upstream.fetch)
        try await Task.sleep(for: .milliseconds(50))
        gate.open()
        let outcomes = try await [first.1, second.1]
        #expect(outcomes == [.miss, .miss])
        #expect(upstream.fetches == 2)  // each client got its own Set-Cookie response
    }

    @Test func evictsTheLeastRecentlyUsedURLsToStayWithinTheByteBound() async throws {
        let body = String(repeating: "x", count: 1000)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=60")], body: body)
        let cache = makeCache(clock, maxBytes: 3500)
        for path in ["/1", "/2", "/3"] { _ = try await cache.respond(to: get(path), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch) }
        _ = try await cache.respond(to: get("/1"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)  // /1 is now the most recent
        _ = try await cache.respond(to: get("/4"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)  // evicts /2
        let statistics = cache.statistics
        #expect(statistics.evictions == 1)
        #expect(statistics.entries == 3)
        #expect(statistics.bytes <= 3500)
        #expect(try await cache.respond(to: get("/1"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch).1 == .hit)
        #expect(try await cache.respond(to: get("/3"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch).1 == .hit)
        #expect(try await cache.respond(to: get("/2"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch).1 == .miss)
    }

    @Test func anEntryLargerThanTheEntryCapIsNotStored() async throws {
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=60")], body: String(repeating: "x", count: 2000))
        let cache = makeCache(clock, maxBytes: 100_000, maxEntryBytes: 1000)
        _ = try await cache.respond(to: get(), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        let (response, outcome) = try await cache.respond(to: get(), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(outcome == .miss)
        #expect(response.body.count == 2000)
        #expect(cache.statistics.entries == 0)
    }

    @Test func purgeRemovesByPrefix() async throws {
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=60")])
        let cache = makeCache(clock)
        for path in ["/courses/1", "/courses/2", "/static/app.js"] {
            _ = try await cache.respond(to: get(path), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        }
        #expect(cache.purge(prefix: "/courses/") == 2)
        #expect(cache.statistics.entries == 1)
        #expect(try await cache.respond(to: get("/courses/1"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch).1 == .miss)
        #expect(cache.purge(prefix: "/") == 2)
        #expect(cache.statistics.entries == 0)
        #expect(cache.statistics.bytes == 0)
    }

    @Test func statisticsCountEveryOutcome() async throws {
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=10"), ("ETag", "\"1\"")])
        let cache = makeCache(clock)
        _ = try await cache.respond(to: get(), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)                          // miss
        _ = try await cache.respond(to: get(), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)                          // hit
        _ = try await cache.respond(to: get("/x", [("Cookie", "a=1")]), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch) // bypass
        clock.advance(seconds: 20)
        upstream.answer { _ in EdgeResponse(status: 304) }
        _ = try await cache.respond(to: get(), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)                          // revalidated
        let statistics = cache.statistics
        #expect([statistics.misses, statistics.hits, statistics.bypassed, statistics.revalidated, statistics.stale] == [1, 1, 1, 1, 0])
        #expect(statistics.entries == 1)
        #expect(statistics.bytes > 4)
    }
}
