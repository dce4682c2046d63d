import Foundation
import Hummingbird
import NIOCore
import PerfwatchModel

/// The dashboard's login: `POST /api/v1/session` with `{"key":"…"}` answers with an HttpOnly,
/// SameSite=Strict session cookie and the CSRF token to send on writes; `GET` tells the page
/// whether auth is on and whether it is logged in (and gives the token again after a reload);
/// `DELETE` logs out.
struct SessionRoutes {
    let auth: Authenticator
    /// Login attempts per client address: keys are too long to guess, but a weak configured key
    /// (16 repeated characters is allowed) should not be tried thousands of times a second here.
    let limiter = ClientRateLimiter(ratePerSecond: 1, burst: 10)

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/session") { request, _ in try self.current(request) }
        router.post("/api/v1/session") { request, context in
            try await self.login(request, client: context.remoteAddress?.ipAddress ?? "unknown")
        }
        router.delete("/api/v1/session") { request, _ in try self.logout(request) }
        router.rejectOtherMethods("/api/v1/session", allowed: [.get, .post, .delete])
    }

    func current(_ request: Request) throws -> Response {
        guard auth.isOn else { return try .json(SessionState.authOff) }
        guard case let (_, session, scopes)? = auth.session(request) else { return try .json(SessionState.loggedOut) }
        return try .json(SessionState(csrf: session.csrf, scopes: scopes))
    }

    func login(_ request: Request, client: String) async throws -> Response {
        guard auth.isOn else {
            throw PerfwatchError(.badRequest, "auth is off (no API keys exist), so the dashboard needs no login")
        }
        guard limiter.allow(client) else {
            throw PerfwatchError(.tooManyRequests, "too many login attempts from \(client); wait a second")
        }
        let key = try await request.decodedBody(as: LoginRequest.self, what: "login", limit: 4096).key
        guard !key.isEmpty else { throw PerfwatchError(.badRequest, "login: 'key' must not be empty") }
        let digest = SHA256.digest(key)
        guard let scopes = auth.keys.scopes(digest: digest) else { throw PerfwatchError(.unauthorized, "unknown API key") }
        let (id, csrf) = auth.sessions.create(keyDigest: digest)
        var response = try Response.json(SessionState(csrf: csrf, scopes: scopes))
        response.setCookie(
            Cookie(
                name: DashboardSessions.cookieName, value: id, maxAge: Int(auth.sessions.lifetimeSeconds), path: "/",
                secure: Self.isHTTPS(request), httpOnly: true, sameSite: .strict))
        return response
    }

    func logout(_ request: Request) throws -> Response {
        if case let (id, session, _)? = auth.session(request) {
            guard DashboardSessions.csrfMatches(request.headers[.init(DashboardSessions.csrfHeader)!], session) else {
                throw PerfwatchError(.forbidden, "logging out needs the \(DashboardSessions.csrfHeader) header given at login")
            }
            auth.sessions.end(id: id)
        }
        var response = Response(status: .noContent)
        response.setCookie(
            Cookie(name: DashboardSessions.cookieName, value: "", maxAge: 0, path: "/", secure: Self.isHTTPS(request), httpOnly: true, sameSite: .strict))
        return response
    }

    /// Behind a TLS-terminating proxy the cookie is marked Secure; on plain http (loopback) a
    /// Secure cookie would not be sent back.
    static func isHTTPS(_ request: Request) -> Bool {
        request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}
