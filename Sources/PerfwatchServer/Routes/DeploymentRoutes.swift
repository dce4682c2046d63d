import Foundation
import Hummingbird
import PerfwatchAnalysis
import PerfwatchModel
import PerfwatchStorage

/// Deploy markers: record one (`perfwatch deploy mark`), list them for the charts, and what a
/// deploy did to each route (`/impact`: regressions and improvements with their significance).
struct DeploymentRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.post("/api/v1/deployments") { request, _ in try await self.create(request) }
        router.get("/api/v1/deployments") { request, _ in try await self.list(request) }
        router.rejectOtherMethods("/api/v1/deployments", allowed: [.get, .post])
        router.get("/api/v1/deployments/:id") { _, context in try await self.one(context.parameters.get("id") ?? "") }
        router.get("/api/v1/deployments/:id/impact") { _, context in try await self.impact(context.parameters.get("id") ?? "") }
    }

    func create(_ request: Request) async throws -> Response {
        let body = try await request.decodedBody(as: DeploymentRequest.self, what: "deployment")
        let check = BodyFieldChecks(what: "deployment")
        let now = TimeParsing.nowMs()
        let deployment = Deployment(
            service: try check.text(body.service, "service", required: true)!, version: try check.text(body.version, "version", required: true)!,
            environment: try check.text(body.environment, "environment") ?? "", timeMs: try check.time(body.time, "time", nowMs: now) ?? now,
            description: try check.text(body.description, "description", maxLength: 2000) ?? "", source: .api)
        return try .json(try await components.deployments.addDeployment(deployment), status: .created)
    }

    /// Defaults to the last 24 h (the widest chart range), not the usual hour.
    func list(_ request: Request) async throws -> Response {
        let now = TimeParsing.nowMs()
        var range = try request.timeRange(nowMs: now)
        if request.uri.queryParameters["from"] == nil { range.from = range.to - 86_400_000 }
        let service = request.uri.queryParameters["service"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let deployments = try await components.deployments.deployments(service: service, from: range.from, to: range.to, limit: 1000)
        return try .json(DeploymentList(deployments: deployments), capacity: 1024)
    }

    func stored(_ text: String) async throws -> Deployment {
        let id = try PathID.parse(text, "deployment")
        guard let deployment = try await components.deployments.deployment(id: id) else {
            throw PerfwatchError(.notFound, "no deployment with id \(id)")
        }
        return deployment
    }

    func one(_ text: String) async throws -> Response {
        try .json(try await stored(text))
    }

    func impact(_ text: String) async throws -> Response {
        let deployment = try await stored(text)
        let impact = try await components.regressions.impact(of: deployment, nowMs: TimeParsing.nowMs())
        return try .json(DeploymentImpactResponse(impact, deployment: deployment), capacity: 2048)
    }
}
