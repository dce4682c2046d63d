import Hummingbird
import PerfwatchModel

/// Authorizes each request for the route the router matched (`RouteScopes`), so the path's
/// spelling cannot change which scope is asked for. API clients send `Authorization: Bearer KEY`
/// or `X-API-Key: KEY`; the dashboard sends its session cookie, and on writes also the CSRF
/// token it was given at login (`X-Perfwatch-CSRF`), which another site's page cannot read.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let auth: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let access = RouteScopes.access(method: request.method, endpoint: context.endpointPath)
        guard access != .open, auth.isOn else { return try await next(request, context) }
        if let presented = Authenticator.presentedKey(request) {
            guard let scopes = auth.keys.scopes(key: presented) else { throw PerfwatchError(.unauthorized, "unknown API key") }
            try Self.check(access, scopes, request)
            return try await next(request, context)
        }
        if case let (_, session, scopes)? = auth.session(request) {
            try Self.check(access, scopes, request)
            if ![.get, .head, .options].contains(request.method),
                !DashboardSessions.csrfMatches(request.headers[.init(DashboardSessions.csrfHeader)!], session)
            {
                throw PerfwatchError(
                    .forbidden, "a write made with the dashboard's session needs the \(DashboardSessions.csrfHeader) header given at login")
            }
            return try await next(request, context)
        }
        throw PerfwatchError(
            .unauthorized, "an API key is required: send Authorization: Bearer KEY or X-API-Key, or log in on the dashboard")
    }

    private static func check(_ access: RouteAccess, _ scopes: Set<AuthScope>, _ request: Request) throws {
        guard !access.allows(scopes), case .scope(let needed) = access else { return }
        throw PerfwatchError(.forbidden, "\(request.method) \(request.uri.path) needs the '\(needed.rawValue)' scope, which this key lacks")
    }
}
