import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import PerfwatchServer
import PerfwatchTesting
import Testing

@Suite("Dashboard sessions")
struct AuthSessionTests {
    static func login(_ client: any TestClientProtocol, key: String) async throws -> (cookie: String, csrf: String, response: TestResponse) {
        let response = try await client.post("/api/v1/session", #"{"key":"\#(key)"}"#)
        let setCookie = response.headers[.setCookie] ?? ""
        let cookie = String(setCookie.split(separator: ";").first ?? "")
        return (cookie, response.json["csrf"] as? String ?? "", response)
    }

    @Test("login gives an HttpOnly SameSite=Strict cookie; reads work with it; writes need the CSRF token; logout ends it")
    func loginFlow() async throws {
        try await withApp(TestKeys.configure) { client in
            let state = try await client.get("/api/v1/session")
            #expect(state.json["auth"] as? Bool == true && state.json["session"] as? Bool == false)

            let (cookie, csrf, response) = try await Self.login(client, key: TestKeys.admin)
            #expect(response.status == .ok)
            let setCookie = response.headers[.setCookie] ?? ""
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"))
            #expect(cookie.hasPrefix("perfwatch_session=") && cookie.count > 60)
            #expect(csrf.count == 64)
            #expect(!setCookie.contains(TestKeys.admin))

            let read = try await client.execute(uri: "/api/v1/overview", method: .get, headers: [.cookie: cookie])
            #expect(read.status == .ok)
            let again = try await client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: cookie])
            #expect(again.json["csrf"] as? String == csrf)
            #expect(again.json["scopes"] as? [String] == ["admin"])

            // A page on another site can make the browser send the cookie, but cannot know the token.
            let forged = try await client.execute(uri: "/api/v1/rules/reload", method: .post, headers: [.cookie: cookie])
            #expect(forged.status == .forbidden)
            #expect(forged.errorMessage.contains("X-Perfwatch-CSRF"))
            let wrong = try await client.execute(
                uri: "/api/v1/rules/reload", method: .post, headers: [.cookie: cookie, .init("X-Perfwatch-CSRF")!: String(repeating: "0", count: 64)])
            #expect(wrong.status == .forbidden)
            let made = try await client.execute(
                uri: "/api/v1/rules/reload", method: .post, headers: [.cookie: cookie, .init("X-Perfwatch-CSRF")!: csrf])
            #expect(made.status != .forbidden && made.status != .unauthorized)

            #expect(try await client.execute(uri: "/api/v1/session", method: .delete, headers: [.cookie: cookie]).status == .forbidden)
            let out = try await client.execute(uri: "/api/v1/session", method: .delete, headers: [.cookie: cookie, .init("X-Perfwatch-CSRF")!: csrf])
            #expect(out.status == .noContent)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.execute(uri: "/api/v1/overview", method: .get, headers: [.cookie: cookie]).status == .unauthorized)
        }
    }

    @Test("a session has its key's scopes: a read key's session cannot write even with the token")
    func sessionScopes() async throws {
        try await withApp(TestKeys.configure) { client in
            let (cookie, csrf, _) = try await Self.login(client, key: TestKeys.read)
            let headers: HTTPFields = [.cookie: cookie, .init("X-Perfwatch-CSRF")!: csrf, .contentType: "application/json"]
            #expect(try await client.execute(uri: "/api/v1/silences", method: .post, headers: headers, body: ByteBuffer(string: "{}")).status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/silences", method: .get, headers: headers).status == .ok)
        }
    }

    @Test("bad logins: unknown key 401, no key 400, not JSON 400, oversized 413; a made-up cookie is a 401")
    func badLogins() async throws {
        try await withApp(TestKeys.configure) { client in
            let unknown = try await client.post("/api/v1/session", #"{"key":"nope-nope-nope-nope-nope"}"#)
            #expect(unknown.status == .unauthorized && unknown.headers[.setCookie] == nil)
            #expect(try await client.post("/api/v1/session", "{}").errorMessage == "login: 'key' is required")
            #expect(try await client.post("/api/v1/session", #"{"key":""}"#).errorMessage == "login: 'key' must not be empty")
            #expect(try await client.post("/api/v1/session", #"{"key":"abc","user":"x"}"#).errorMessage == "login: unknown field 'user'; valid fields: key")
            #expect(try await client.post("/api/v1/session", "key=abc").status == .badRequest)
            #expect(try await client.post("/api/v1/session", String(repeating: "x", count: 10_000)).status == .contentTooLarge)
            let madeUp = try await client.execute(uri: "/api/v1/overview", method: .get, headers: [.cookie: "perfwatch_session=abc"])
            #expect(madeUp.status == .unauthorized)
            #expect(try await client.get("/healthz").status == .ok)
        }
    }

    @Test("login attempts from one address are limited: the 11th at once is a 429 with Retry-After")
    func loginRateLimit() async throws {
        try await withApp(TestKeys.configure) { client in
            // The bucket refills one attempt a second: on a loaded machine the ten guesses can take longer
            // than a second, so the refusal may come that many attempts later (never sooner than the 11th).
            let started = ContinuousClock.now
            var guesses = 0
            var limited = try await client.post("/api/v1/session", #"{"key":"guess-guess-guess-guess"}"#)
            while limited.status == .unauthorized, guesses < 40 {
                guesses += 1
                limited = try await client.post("/api/v1/session", #"{"key":"guess-guess-guess-guess"}"#)
            }
            let refusedAt = ContinuousClock.now
            let seconds = Int((refusedAt - started).components.seconds)
            #expect(limited.status == .tooManyRequests)
            #expect(guesses >= 10 && guesses <= 10 + seconds + 1, "refused after \(guesses) guesses in \(seconds) s")
            #expect(limited.headers[.retryAfter] != nil)
            // A right key is refused too while the bucket is empty, without a session.
            let rightKey = try await client.post("/api/v1/session", #"{"key":"\#(TestKeys.read)"}"#)
            if ContinuousClock.now - refusedAt < .seconds(1) {
                #expect(rightKey.status == .tooManyRequests)
                #expect(rightKey.headers[.setCookie] == nil)
            }
            // API clients with keys are not affected.
            #expect(try await client.execute(uri: "/api/v1/overview", method: .get, headers: [.authorization: "Bearer \(TestKeys.read)"]).status == .ok)
        }
    }

    @Test("with auth off the session endpoint says so and the API is open")
    func authOff() async throws {
        try await withApp { client in
            let state = try await client.get("/api/v1/session")
            #expect(state.json["auth"] as? Bool == false)
            #expect(try await client.post("/api/v1/session", #"{"key":"whatever-whatever-1"}"#).status == .badRequest)
            #expect(try await client.get("/api/v1/overview").status == .ok)
        }
    }

    @Test("sessions expire")
    func expiry() {
        let sessions = DashboardSessions(lifetimeSeconds: 10)
        let (id, _) = sessions.create(keyDigest: SHA256.digest("k"), now: 100)
        #expect(sessions.session(id: id, now: 105) != nil)
        #expect(sessions.session(id: id, now: 111) == nil)
    }
}
