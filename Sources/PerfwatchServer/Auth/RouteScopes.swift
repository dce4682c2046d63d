import HTTPTypes
import Hummingbird

/// The one table of who may call what: every registered route (method and path pattern, as the
/// router names it) and the access it needs. `AuthMiddleware` looks up the route the router has
/// already matched, so a request is authorized for exactly the handler that will run, whatever
/// spelling its path had (`//api/v1/metrics` runs the `/api/v1/metrics` handler and needs its
/// scope). `RouteScopeTests` walks every route the real app registers and fails on any route
/// missing here, so a new route cannot ship without a decision. docs/api-auth.md is this table
/// in prose.
///
/// Rules: reads need `read`; telemetry from apps needs `ingest`, and so do the two writes an app
/// or its CI makes about itself (load-run reports from `perfwatch load --server`, deployment
/// markers from `perfwatch deploy`) and what `perfwatch edge` reads and reports (its policy, its
/// state); every change to the server's own state (rules, silences,
/// acknowledgements, analysis runs, optimizations, issue states) needs `admin`.
enum RouteScopes {
    static let table: [(HTTPRequest.Method, String, RouteAccess)] = [
        // Open.
        (.get, "/healthz", .open),
        (.get, "/readyz", .open),
        (.get, "/", .open),
        (.get, "/assets/:file", .open),
        (.get, "/rum.js", .open),
        (.post, "/api/v1/rum", .open),
        (.options, "/api/v1/rum", .open),
        // A redirect to the dashboard's Alerts page (links in notifications); it shows nothing.
        (.get, "/alerts", .open),
        (.get, "/api/v1/session", .open),
        (.post, "/api/v1/session", .open),
        (.delete, "/api/v1/session", .open),

        // Ingest.
        (.post, "/api/v1/metrics", .scope(.ingest)),
        (.post, "/api/v1/import/prometheus", .scope(.ingest)),
        (.post, "/v1/traces", .scope(.ingest)),
        (.post, "/v1/metrics", .scope(.ingest)),
        (.post, "/v1/logs", .scope(.ingest)),
        (.post, "/api/v1/load-runs", .scope(.ingest)),
        (.post, "/api/v1/deployments", .scope(.ingest)),
        // What `perfwatch edge` needs with the key it sends its telemetry with.
        (.get, "/api/v1/edge/policy", .scope(.ingest)),
        (.post, "/api/v1/edge/report", .scope(.ingest)),

        // Read.
        (.get, "/metrics", .scope(.read)),
        (.get, "/api/v1/overview", .scope(.read)),
        (.get, "/api/v1/metrics", .scope(.read)),
        (.get, "/api/v1/query", .scope(.read)),
        // Prometheus' HTTP API (Grafana's data source): reads, whatever the method (Grafana POSTs its queries).
        (.post, "/api/v1/query", .scope(.read)),
        (.get, "/api/v1/query_range", .scope(.read)),
        (.post, "/api/v1/query_range", .scope(.read)),
        (.get, "/api/v1/labels", .scope(.read)),
        (.post, "/api/v1/labels", .scope(.read)),
        (.get, "/api/v1/label/:name/values", .scope(.read)),
        (.get, "/api/v1/series", .scope(.read)),
        (.post, "/api/v1/series", .scope(.read)),
        (.get, "/api/v1/metadata", .scope(.read)),
        (.get, "/api/v1/status/buildinfo", .scope(.read)),
        (.get, "/api/v1/query_exemplars", .scope(.read)),
        (.post, "/api/v1/query_exemplars", .scope(.read)),
        (.get, "/api/v1/rules", .scope(.read)),
        (.get, "/api/v1/events", .scope(.read)),
        (.get, "/api/v1/traces", .scope(.read)),
        (.get, "/api/v1/traces/:traceID", .scope(.read)),
        (.get, "/api/v1/routes", .scope(.read)),
        (.get, "/api/v1/routes/bottlenecks", .scope(.read)),
        (.get, "/api/v1/db/queries", .scope(.read)),
        (.get, "/api/v1/db/databases", .scope(.read)),
        (.get, "/api/v1/db/advisor", .scope(.read)),
        (.get, "/api/v1/rum/setup", .scope(.read)),
        (.get, "/api/v1/vitals", .scope(.read)),
        (.get, "/api/v1/journeys", .scope(.read)),
        (.get, "/api/v1/errors", .scope(.read)),
        (.get, "/api/v1/load-runs", .scope(.read)),
        (.get, "/api/v1/load-runs/compare", .scope(.read)),
        (.get, "/api/v1/load-runs/:id", .scope(.read)),
        (.get, "/api/v1/issues", .scope(.read)),
        (.get, "/api/v1/issues/:id", .scope(.read)),
        (.get, "/api/v1/deployments", .scope(.read)),
        (.get, "/api/v1/dashboards", .scope(.read)),
        (.get, "/api/v1/dashboards/:id", .scope(.read)),
        (.get, "/api/v1/audits", .scope(.read)),
        (.get, "/api/v1/audits/:id", .scope(.read)),
        (.get, "/api/v1/synthetic/checks", .scope(.read)),
        (.get, "/api/v1/synthetic/checks/:name", .scope(.read)),
        (.get, "/api/v1/synthetic/uptime", .scope(.read)),
        (.get, "/api/v1/reports/schedules", .scope(.read)),
        (.get, "/api/v1/reports/preview", .scope(.read)),
        (.get, "/api/v1/deployments/:id", .scope(.read)),
        (.get, "/api/v1/deployments/:id/impact", .scope(.read)),
        (.get, "/api/v1/optimizations", .scope(.read)),
        (.get, "/api/v1/optimizations/:id", .scope(.read)),
        (.get, "/api/v1/alerts", .scope(.read)),
        (.get, "/api/v1/alerts/stream", .scope(.read)),
        (.get, "/api/v1/alerts/notifications", .scope(.read)),
        (.get, "/api/v1/alerts/deliveries", .scope(.read)),
        (.get, "/api/v1/alert-rules", .scope(.read)),
        (.get, "/api/v1/alert-rules/:name", .scope(.read)),
        (.get, "/api/v1/silences", .scope(.read)),
        (.get, "/api/v1/trends", .scope(.read)),
        (.get, "/api/v1/edge/instances", .scope(.read)),
        (.get, "/api/v1/edge/policies", .scope(.read)),

        // Admin: changes to the server's own state.
        // Saved dashboards: what every reader of the server sees, so changing them is an admin's call.
        (.post, "/api/v1/dashboards", .scope(.admin)),
        (.put, "/api/v1/dashboards/:id", .scope(.admin)),
        (.delete, "/api/v1/dashboards/:id", .scope(.admin)),
        // Lab audits arrive like a load run's report (`perfwatch audit --server`): an ingest key sends them.
        (.post, "/api/v1/audits", .scope(.ingest)),
        // Synthetic checks make the server send requests: an admin's call, like alert channels.
        (.post, "/api/v1/synthetic/checks", .scope(.admin)),
        (.put, "/api/v1/synthetic/checks/:name", .scope(.admin)),
        (.delete, "/api/v1/synthetic/checks/:name", .scope(.admin)),
        // Reports mail the server's figures to addresses: an admin's call.
        (.post, "/api/v1/reports/schedules", .scope(.admin)),
        (.delete, "/api/v1/reports/schedules/:name", .scope(.admin)),
        (.post, "/api/v1/reports/schedules/:name/send", .scope(.admin)),
        (.post, "/api/v1/alert-rules", .scope(.admin)),
        (.put, "/api/v1/alert-rules/:name", .scope(.admin)),
        (.delete, "/api/v1/alert-rules/:name", .scope(.admin)),
        (.post, "/api/v1/rules/reload", .scope(.admin)),
        (.post, "/api/v1/silences", .scope(.admin)),
        (.delete, "/api/v1/silences/:id", .scope(.admin)),
        (.post, "/api/v1/alerts/:id/ack", .scope(.admin)),
        (.post, "/api/v1/analysis/run", .scope(.admin)),
        (.patch, "/api/v1/issues/:id", .scope(.admin)),
        (.post, "/api/v1/optimizations", .scope(.admin)),
        (.post, "/api/v1/optimizations/:id/apply", .scope(.admin)),
        (.post, "/api/v1/optimizations/:id/rollback", .scope(.admin)),
        (.put, "/api/v1/edge/policy", .scope(.admin)),
    ]

    /// "METHOD /path/{param}" (the router's spelling of a pattern) to the access it needs.
    static let byRoute: [String: RouteAccess] = {
        var map: [String: RouteAccess] = [:]
        for (method, pattern, access) in table {
            let key = routeKey(method, RouterPath(pattern).description)
            precondition(map[key] == nil, "RouteScopes lists \(key) twice")
            map[key] = access
        }
        return map
    }()

    /// Every path pattern the table names, for telling a 405 answer apart from a missing entry.
    static let paths: Set<String> = Set(table.map { RouterPath($0.1).description })

    /// Refuses to build a server with a route the table does not name (a method the table does
    /// not list on a path it knows is one of the 405 answers, which `RouteScopeTests` checks).
    static func checkCovered(_ routes: [String]) throws {
        for route in routes where byRoute[route] == nil {
            let path = String(route.drop { $0 != " " }.dropFirst())
            guard paths.contains(path) else {
                throw ConfigurationError("route \(route) has no entry in RouteScopes.table: decide which scope it needs")
            }
        }
    }

    static func routeKey(_ method: HTTPRequest.Method, _ path: String) -> String { "\(method.rawValue) \(path)" }

    /// The access for a request the router matched to `endpoint` (nil: no route matched). HEAD
    /// is a GET without the body, so it needs what GET needs. A method the table does not list
    /// for a known path is one of the 405 answers `rejectOtherMethods` registers: any key may see
    /// it. A route missing from the table entirely needs `admin` (closed by default).
    static func access(method: HTTPRequest.Method, endpoint: String?) -> RouteAccess {
        guard let endpoint else { return .anyKey }
        let lookup: HTTPRequest.Method = method == .head ? .get : method
        if let access = byRoute[routeKey(lookup, endpoint)] { return access }
        return paths.contains(endpoint) ? .anyKey : .scope(.admin)
    }
}
