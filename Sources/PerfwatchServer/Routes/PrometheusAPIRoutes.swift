import HTTPTypes
import Hummingbird
import PerfwatchAlerting
import PerfwatchModel
import PerfwatchPromQL

/// Prometheus' HTTP API as Grafana's Prometheus data source calls it (docs/promql.md, "HTTP API"): PromQL
/// queries, label and series listings, metadata, buildinfo, exemplars (none) and rules, each GET and, where
/// Prometheus accepts it, POST with a form body. `GET /api/v1/query` is shared with Perfwatch's own query API:
/// `QueryRoutes` hands a request with `query=` here and keeps `metric=` requests.
struct PrometheusAPIRoutes: Sendable {
    let components: ServerComponents
    let handlers: PromAPIHandlers

    init(components: ServerComponents) {
        self.components = components
        handlers = PromAPIHandlers(source: StorePromSeriesSource(store: components.store), settings: components.configuration.promql)
    }

    /// A request for Prometheus' `/api/v1/query` rather than Perfwatch's: it has `query=` (Perfwatch's has `metric=`).
    static func isPromQL(_ request: Request) -> Bool {
        PromAPIParameters(pairs: PromAPIParameters.parseForm(Substring(request.uri.query ?? ""))).has("query")
    }

    func register(on router: Router<AppRequestContext>) {
        router.post("/api/v1/query") { request, _ in await self.run(request) { try await $0.instantQuery($1) } }
        for path in ["/api/v1/query_range", "/api/v1/labels", "/api/v1/series", "/api/v1/query_exemplars"] {
            router.get(RouterPath(path)) { request, _ in await self.dispatch(path, request) }
            router.post(RouterPath(path)) { request, _ in await self.dispatch(path, request) }
            router.rejectOtherMethods(RouterPath(path), allowed: [.get, .post])
        }
        router.get("/api/v1/label/:name/values") { request, context in
            let name = context.parameters.get("name") ?? ""
            return await self.run(request) { try await $0.labelValues(name, $1) }
        }
        router.rejectOtherMethods("/api/v1/label/:name/values", allowed: [.get])
        router.get("/api/v1/metadata") { request, _ in await self.run(request) { try await $0.metadata($1) } }
        router.rejectOtherMethods("/api/v1/metadata", allowed: [.get])
        router.get("/api/v1/status/buildinfo") { _, _ in PromAPIHandlers.buildInfo() }
        router.rejectOtherMethods("/api/v1/status/buildinfo", allowed: [.get])
        router.get("/api/v1/rules") { request, _ in await self.run(request) { _, parameters in try await self.rules(parameters) } }
        router.rejectOtherMethods("/api/v1/rules", allowed: [.get])
    }

    /// The instant query on `GET /api/v1/query?query=…` (called by `QueryRoutes`).
    func instantQuery(_ request: Request) async -> Response {
        await run(request) { try await $0.instantQuery($1) }
    }

    private func dispatch(_ path: String, _ request: Request) async -> Response {
        await run(request) { handlers, parameters in
            switch path {
            case "/api/v1/query_range": return try await handlers.rangeQuery(parameters)
            case "/api/v1/labels": return try await handlers.labelNames(parameters)
            case "/api/v1/series": return try await handlers.series(parameters)
            default: return PromAPIJSON.success(data: "[]")  // query_exemplars: Perfwatch keeps no exemplars
            }
        }
    }

    private func run(
        _ request: Request, _ body: @Sendable (PromAPIHandlers, PromAPIParameters) async throws -> Response
    ) async -> Response {
        await PromAPIHandlers.answer {
            var request = request
            let parameters = try await Self.parameters(&request, limit: components.configuration.maxBodyBytes)
            return try await body(handlers, parameters)
        }
    }

    /// The URL's parameters, and a POST's form body before them (Go's `ParseForm` order).
    static func parameters(_ request: inout Request, limit: Int) async throws -> PromAPIParameters {
        var pairs: [(name: String, value: String)] = []
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if request.method == .post, contentType.hasPrefix("application/x-www-form-urlencoded") {
            let body = try await request.bodyBytes(limit: limit)
            pairs += PromAPIParameters.parseForm(Substring(decoding: body, as: UTF8.self))
        }
        pairs += PromAPIParameters.parseForm(Substring(request.uri.query ?? ""))
        return PromAPIParameters(pairs: pairs)
    }

    private func rules(_ parameters: PromAPIParameters) async throws -> Response {
        let evaluator = components.alerting.evaluator
        let data = PromAPIRules.data(
            groups: await evaluator.ruleGroups(), statuses: await evaluator.ruleStatuses(), alerts: await evaluator.alerts(),
            type: parameters.first("type"))
        return PromAPIJSON.success(data: data)
    }
}
