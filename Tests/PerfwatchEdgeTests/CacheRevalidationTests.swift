@testable import PerfwatchEdge
import PerfwatchEdgePolicy
import Testing

@Suite struct CacheRevalidationTests {
    let clock = ManualClock()
    let rule = CacheRule(ttlMs: 0)

    @Test func etagRevalidationSends_IfNoneMatch_andA304RefreshesTheEntry() async throws {
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=10"), ("ETag", "\"v1\""), ("X-Version", "1")])
        _ = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        clock.advance(seconds: 11)
        upstream.answer { _ in EdgeResponse(status: 304, headers: [("ETag", "\"v1\""), ("X-Version", "2"), ("Cache-Control", "max-age=10")]) }
        let (response, outcome) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect(outcome == .revalidated)
        #expect(upstream.requests.last?.header("if-none-match") == "\"v1\"")
        #expect(response.status == 200)
        #expect(bodyText(response) == "body")
        #expect(response.header("x-version") == "2")  // 304 headers merged into the stored ones
        clock.advance(seconds: 5)
        let (_, again) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect(again == .hit)  // fresh again for max-age from the revalidation
    }

    @Test func lastModifiedRevalidationSends_IfModifiedSince() async throws {
        let cache = makeCache(clock)
        let modified = "Tue, 15 Nov 1994 12:45:26 GMT"
        let upstream = FakeUpstream(headers: [("Cache-Control", "no-cache"), ("Last-Modified", modified)])
        _ = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        upstream.answer { _ in EdgeResponse(status: 304) }
        let (response, outcome) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect(outcome == .revalidated)  // no-cache: stored, revalidated on every use
        #expect(upstream.requests.last?.header("if-modified-since") == modified)
        #expect(bodyText(response) == "body")
    }

    @Test func a304ThatForbidsStoringServesTheEntryOnceAndDropsIt() async throws {
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=10"), ("ETag", "\"v1\"")])
        _ = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        clock.advance(seconds: 11)
        upstream.answer { _ in EdgeResponse(status: 304, headers: [("Cache-Control", "no-store")]) }
        let (response, outcome) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect(outcome == .revalidated)
        #expect(bodyText(response) == "body")
        #expect(cache.statistics.entries == 0)
    }

    @Test func aChangedResponseReplacesTheEntry() async throws {
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=10"), ("ETag", "\"v1\"")], body: "old")
        _ = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        clock.advance(seconds: 11)
        upstream.answer { _ in EdgeResponse(status: 200, headers: [("Cache-Control", "max-age=10"), ("ETag", "\"v2\"")], body: Array("new".utf8)) }
        let (changed, outcome) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect(outcome == .miss)
        #expect(bodyText(changed) == "new")
        let (hit, _) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect(bodyText(hit) == "new")
    }

    @Test func theClientsOwnConditionalIsAnsweredFromTheCache() async throws {
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=60"), ("ETag", "\"v1\"")])
        let (first, _) = try await cache.respond(to: get("/a", [("If-None-Match", "\"v1\"")]), rule: rule, fetch: upstream.fetch)
        #expect(first.status == 304)
        #expect(upstream.requests.first?.header("if-none-match") == nil)  // the cache fetched the whole response
        let (second, outcome) = try await cache.respond(to: get("/a", [("If-None-Match", "W/\"v1\"")]), rule: rule, fetch: upstream.fetch)
        #expect(outcome == .hit)
        #expect(second.status == 304)
        #expect(second.body.isEmpty)
        let (other, _) = try await cache.respond(to: get("/a", [("If-None-Match", "\"v0\"")]), rule: rule, fetch: upstream.fetch)
        #expect(other.status == 200)
    }

    enum Failure: String, CaseIterable { case throwsError, answers503 }

    @Test(arguments: Failure.allCases)
    func staleIfErrorServesTheStaleEntryWhileTheFetchFails(_ failure: Failure) async throws {
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=10")])
        let rule = CacheRule(ttlMs: 0, staleIfErrorMs: 60_000)
        _ = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        upstream.answer { _ in
            if failure == .throwsError { throw UpstreamDown() }
            return EdgeResponse(status: 503, body: Array("down".utf8))
        }
        clock.advance(seconds: 30)
        let (stale, outcome) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect(outcome == .stale)
        #expect(bodyText(stale) == "body")
        #expect(stale.header("age") == "30")
        clock.advance(seconds: 60)  // past max-age + stale-if-error: the failure goes through
        if failure == .throwsError {
            await #expect(throws: UpstreamDown.self) { try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch) }
        } else {
            let (error, late) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
            #expect(late == .miss)
            #expect(error.status == 503)
        }
    }

    @Test func staleIfErrorFromTheResponseDirective() async throws {
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=10, stale-if-error=60")])
        _ = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        upstream.answer { _ in throw UpstreamDown() }
        clock.advance(seconds: 30)
        let (_, outcome) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect(outcome == .stale)
    }

    @Test func mustRevalidateIsNeverServedStale() async throws {
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=10, must-revalidate")])
        let rule = CacheRule(ttlMs: 0, staleWhileRevalidateMs: 60_000, staleIfErrorMs: 60_000)
        _ = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        upstream.answer { _ in throw UpstreamDown() }
        clock.advance(seconds: 30)
        await #expect(throws: UpstreamDown.self) { try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch) }
    }

    @Test func staleWhileRevalidateServesStaleAndRefreshesOnceInTheBackground() async throws {
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=10")], body: "old")
        let rule = CacheRule(ttlMs: 0, staleWhileRevalidateMs: 30_000)
        _ = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        let gate = Gate()
        upstream.answer { _ in
            await gate.wait()
            return EdgeResponse(status: 200, headers: [("Cache-Control", "max-age=10")], body: Array("new".utf8))
        }
        clock.advance(seconds: 15)
        for _ in 0..<3 {
            let (stale, outcome) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
            #expect(outcome == .stale)
            #expect(bodyText(stale) == "old")
        }
        gate.open()
        try await waitUntil { cache.refreshesInFlight == 0 }
        #expect(upstream.fetches == 2)  // the fill and one refresh for three stale answers
        let (fresh, outcome) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect(outcome == .hit)
        #expect(bodyText(fresh) == "new")
        clock.advance(seconds: 50)  // past max-age + stale-while-revalidate: a blocking revalidation
        let (_, late) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect(late == .miss)
    }
}
