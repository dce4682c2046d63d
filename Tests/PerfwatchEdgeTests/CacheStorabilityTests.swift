@testable import PerfwatchEdge
import PerfwatchEdgePolicy
import Testing

/// The table of cases the issue asks for: for one request/response pair under a rule, is the second
/// identical request answered from the cache, and with what outcome.
@Suite struct CacheStorabilityTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        var request: [(name: String, value: String)] = []
        var response: [(name: String, value: String)]
        var status = 200
        var rule = CacheRule(ttlMs: 60_000)
        /// Outcome of the first and the second request.
        let outcomes: (ResponseCache.Outcome, ResponseCache.Outcome)
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "max-age is stored and served", response: [("Cache-Control", "max-age=60")], outcomes: (.miss, .hit)),
        Case(name: "no freshness uses the rule's ttl", response: [], outcomes: (.miss, .hit)),
        Case(name: "no freshness and ttl 0 is not stored", response: [], rule: CacheRule(ttlMs: 0), outcomes: (.miss, .miss)),
        Case(name: "Set-Cookie is never stored", response: [("Cache-Control", "max-age=60"), ("Set-Cookie", "sid=1")], outcomes: (.miss, .miss)),
        Case(name: "Set-Cookie is never stored, even with override", response: [("Set-Cookie", "sid=1")],
             rule: CacheRule(ttlMs: 60_000, override: true), outcomes: (.miss, .miss)),
        Case(name: "private is never stored", response: [("Cache-Control", "private, max-age=60")], outcomes: (.miss, .miss)),
        Case(name: "private is never stored, even with override", response: [("Cache-Control", "private")],
             rule: CacheRule(ttlMs: 60_000, override: true), outcomes: (.miss, .miss)),
        Case(name: "no-store is not stored", response: [("Cache-Control", "no-store")], outcomes: (.miss, .miss)),
        Case(name: "no-store is not stored, even with override", response: [("Cache-Control", "no-store")],
             rule: CacheRule(ttlMs: 60_000, override: true), outcomes: (.miss, .miss)),
        Case(name: "override ignores no-cache", response: [("Cache-Control", "no-cache")],
             rule: CacheRule(ttlMs: 60_000, override: true), outcomes: (.miss, .hit)),
        Case(name: "override ignores max-age=0", response: [("Cache-Control", "max-age=0")],
             rule: CacheRule(ttlMs: 60_000, override: true), outcomes: (.miss, .hit)),
        Case(name: "max-age=0 without a validator is not stored", response: [("Cache-Control", "max-age=0")], outcomes: (.miss, .miss)),
        Case(name: "a request with Cookie bypasses", request: [("Cookie", "sid=1")], response: [("Cache-Control", "max-age=60")],
             outcomes: (.bypass, .bypass)),
        Case(name: "ignore_cookies caches a request with Cookie", request: [("Cookie", "sid=1")], response: [("Cache-Control", "max-age=60")],
             rule: CacheRule(ttlMs: 60_000, ignoreCookies: true), outcomes: (.miss, .hit)),
        Case(name: "Authorization bypasses by default", request: [("Authorization", "Bearer x")], response: [("Cache-Control", "public, max-age=60")],
             outcomes: (.bypass, .bypass)),
        Case(name: "allow_authorized stores when the response says public", request: [("Authorization", "Bearer x")],
             response: [("Cache-Control", "public, max-age=60")], rule: CacheRule(ttlMs: 60_000, allowAuthorized: true), outcomes: (.miss, .hit)),
        Case(name: "allow_authorized stores with s-maxage", request: [("Authorization", "Bearer x")],
             response: [("Cache-Control", "s-maxage=60")], rule: CacheRule(ttlMs: 60_000, allowAuthorized: true), outcomes: (.miss, .hit)),
        Case(name: "allow_authorized still needs the response's permission", request: [("Authorization", "Bearer x")],
             response: [("Cache-Control", "max-age=60")], rule: CacheRule(ttlMs: 60_000, allowAuthorized: true), outcomes: (.miss, .miss)),
        Case(name: "request no-store bypasses", request: [("Cache-Control", "no-store")], response: [("Cache-Control", "max-age=60")],
             outcomes: (.bypass, .bypass)),
        Case(name: "Vary: * is never served", response: [("Cache-Control", "max-age=60"), ("Vary", "*")], outcomes: (.miss, .miss)),
        Case(name: "a 500 is not stored on the rule's ttl", response: [], status: 500, outcomes: (.miss, .miss)),
        Case(name: "a 500 with explicit max-age is stored (RFC 9111 §3)", response: [("Cache-Control", "max-age=60")], status: 500,
             outcomes: (.miss, .hit)),
        Case(name: "a 404 is stored by default", response: [], status: 404, outcomes: (.miss, .hit)),
        Case(name: "a 302 needs explicit freshness", response: [], status: 302, outcomes: (.miss, .miss)),
        Case(name: "a 302 with max-age is stored", response: [("Cache-Control", "max-age=60")], status: 302, outcomes: (.miss, .hit)),
        Case(name: "a 206 is never stored", response: [("Content-Range", "bytes 0-3/10")], status: 206, outcomes: (.miss, .miss)),
        Case(name: "Expires in the future is fresh",
             response: [("Date", "Sun, 06 Nov 1994 08:49:37 GMT"), ("Expires", "Sun, 06 Nov 1994 08:50:37 GMT")], rule: CacheRule(ttlMs: 0),
             outcomes: (.miss, .hit)),
        Case(name: "an invalid Expires is already expired", response: [("Expires", "0")], outcomes: (.miss, .miss)),
    ]

    @Test(arguments: cases)
    func secondRequest(_ testCase: Case) async throws {
        let clock = ManualClock()
        let cache = makeCache(clock)
        let upstream = FakeUpstream(status: testCase.status, headers: testCase.response)
        let request = get("/courses/1", testCase.request)
        let (_, first) = try await cache.respond(to: request, rule: testCase.rule, fetch: upstream.fetch)
        clock.advance(seconds: 1)
        let (second, outcome) = try await cache.respond(to: request, rule: testCase.rule, fetch: upstream.fetch)
        #expect(first == testCase.outcomes.0)
        #expect(outcome == testCase.outcomes.1)
        #expect(upstream.fetches == (outcome == .hit ? 1 : 2))
        #expect(second.status == testCase.status)
    }

    /// Freshness order: s-maxage > max-age > Expires > the rule's ttl.
    @Test(arguments: [
        ([("Cache-Control", "max-age=10, s-maxage=100")], 50.0, true),
        ([("Cache-Control", "max-age=100, s-maxage=10")], 50.0, false),
        ([("Cache-Control", "max-age=10"), ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"), ("Expires", "Sun, 06 Nov 1994 09:49:37 GMT")], 50.0, false),
        ([("Date", "Sun, 06 Nov 1994 08:49:37 GMT"), ("Expires", "Sun, 06 Nov 1994 08:49:47 GMT")], 50.0, false),
        ([], 50.0, true),   // the rule's 60 s
        ([], 70.0, false),
        ([("Cache-Control", "max-age=100"), ("Age", "90")], 50.0, false),
    ] as [([(String, String)], Double, Bool)])
    func freshnessOrder(_ headers: [(String, String)], after seconds: Double, stillFresh: Bool) async throws {
        let clock = ManualClock()
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: headers.map { (name: $0.0, value: $0.1) })
        let rule = CacheRule(ttlMs: 60_000)
        _ = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        clock.advance(seconds: seconds)
        let (_, outcome) = try await cache.respond(to: get(), rule: rule, fetch: upstream.fetch)
        #expect((outcome == .hit) == stillFresh)
    }

    @Test func hitsCarryAgeAndHeadGetsNoBody() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=60"), ("Content-Length", "4")])
        _ = try await cache.respond(to: get(), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        clock.advance(seconds: 12.5)
        let (hit, outcome) = try await cache.respond(to: get(), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(outcome == .hit)
        #expect(hit.header("age") == "12")
        #expect(bodyText(hit) == "body")
        let (head, headOutcome) = try await cache.respond(to: EdgeRequest(method: "HEAD", target: "/courses/1"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(headOutcome == .hit)
        #expect(head.body.isEmpty)
        #expect(head.header("content-length") == "4")
    }

    @Test func aHeadMissFillsTheCacheWithAGet() async throws {
        let cache = makeCache(ManualClock())
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=60")])
        let (head, outcome) = try await cache.respond(to: EdgeRequest(method: "HEAD", target: "/a"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(outcome == .miss)
        #expect(head.body.isEmpty)
        #expect(upstream.requests.map(\.method) == ["GET"])
        let (_, second) = try await cache.respond(to: get("/a"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(second == .hit)
    }

    @Test func aHeadThatRevalidatesRefreshesTheEntry() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock)
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=60"), ("ETag", "\"v1\"")])
        _ = try await cache.respond(to: get("/a"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        clock.advance(seconds: 61)
        upstream.answer { _ in EdgeResponse(status: 304, headers: [("Cache-Control", "max-age=60"), ("ETag", "\"v1\"")]) }
        let (_, head) = try await cache.respond(to: EdgeRequest(method: "HEAD", target: "/a"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(head == .revalidated)
        // The 304 refreshed the stored GET response: the next GET is a hit, not a second fetch.
        let fetches = upstream.requests.count
        let (_, after) = try await cache.respond(to: get("/a"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(after == .hit)
        #expect(upstream.requests.count == fetches)
    }

    @Test func anUnsafeMethodBypassesAndInvalidatesTheURL() async throws {
        let cache = makeCache(ManualClock())
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=60")])
        _ = try await cache.respond(to: get("/a"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        let (_, post) = try await cache.respond(to: EdgeRequest(method: "POST", target: "/a"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(post == .bypass)
        let (_, after) = try await cache.respond(to: get("/a"), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(after == .miss)
    }

    @Test func requestNoCacheRevalidatesUnlessOverridden() async throws {
        let cache = makeCache(ManualClock())
        let upstream = FakeUpstream(headers: [("Cache-Control", "max-age=60"), ("ETag", "\"v1\"")])
        _ = try await cache.respond(to: get(), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        upstream.answer { _ in EdgeResponse(status: 304, headers: [("ETag", "\"v1\"")]) }
        let (_, reload) = try await cache.respond(to: get("/courses/1", [("Cache-Control", "no-cache")]), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(reload == .revalidated)
        let (_, pragma) = try await cache.respond(to: get("/courses/1", [("Pragma", "no-cache")]), rule: CacheRule(ttlMs: 0), fetch: upstream.fetch)
        #expect(pragma == .revalidated)
        let (_, overridden) = try await cache.respond(
            to: get("/courses/1", [("Cache-Control", "no-cache")]), rule: CacheRule(ttlMs: 60_000, override: true), fetch: upstream.fetch)
        #expect(overridden == .hit)
    }
}
