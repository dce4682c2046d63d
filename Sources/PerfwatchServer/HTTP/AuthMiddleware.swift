import Hummingbird
import PerfwatchModel

/// API-key check when keys are configured: `Authorization: Bearer KEY` or `X-API-Key: KEY`.
/// Ingest paths need the `ingest` scope, everything else under /api and /metrics needs `read`.
/// Health checks, the dashboard's static files, the browser snippet and the beacon endpoint
/// (which checks its own public browser keys) stay open.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: [String: Set<String>]

    init(keys: [ServerConfiguration.APIKey]) {
        var map: [String: Set<String>] = [:]
        for key in keys { map[key.key, default: []].formUnion(key.scopes) }
        self.keys = map
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let scope: String?
        if path == "/healthz" || path == "/readyz" || path == "/" || path.hasPrefix("/assets/") || path == "/rum.js"
            || path == "/api/v1/rum"
        {
            scope = nil
        } else if path.hasPrefix("/api/v1/import/") || ((path == "/api/v1/metrics" || path == "/api/v1/load-runs") && request.method == .post) || path.hasPrefix("/v1/") {
            scope = "ingest"
        } else {
            scope = "read"
        }
        guard let scope, !keys.isEmpty else { return try await next(request, context) }
        var presented = request.headers[.init("X-API-Key")!]
        if presented == nil, let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
            presented = String(authorization.dropFirst(7))
        }
        guard let presented else {
            throw PerfwatchError(.unauthorized, "an API key is required: send Authorization: Bearer KEY or X-API-Key")
        }
        guard let scopes = keys[presented] else { throw PerfwatchError(.unauthorized, "unknown API key") }
        guard scopes.contains(scope) || scopes.contains("admin") else {
            throw PerfwatchError(.forbidden, "this API key lacks the '\(scope)' scope")
        }
        return try await next(request, context)
    }
}
