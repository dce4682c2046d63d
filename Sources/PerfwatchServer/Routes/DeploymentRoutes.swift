import Foundation
import Hummingbird
import PerfwatchAnalysis
import PerfwatchModel
import PerfwatchStatistics
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
        var request = request
        let fields = try BodyFields(try await request.bodyBytes(limit: 64 * 1024), what: "deployment")
        try fields.rejectUnknown(allowed: ["service", "version", "environment", "time", "description"])
        let now = TimeParsing.nowMs()
        let deployment = Deployment(
            service: try fields.string("service", required: true)!, version: try fields.string("version", required: true)!,
            environment: try fields.string("environment") ?? "", timeMs: try fields.time("time", nowMs: now) ?? now,
            description: try fields.string("description", maxLength: 2000) ?? "", source: .api)
        let stored = try await components.deployments.addDeployment(deployment)
        var json = JSONText()
        Self.write(stored, to: &json)
        return .json(json.text, status: .created)
    }

    /// Defaults to the last 24 h (the widest chart range), not the usual hour.
    func list(_ request: Request) async throws -> Response {
        let now = TimeParsing.nowMs()
        var range = try request.timeRange(nowMs: now)
        if request.uri.queryParameters["from"] == nil { range.from = range.to - 86_400_000 }
        let service = request.uri.queryParameters["service"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let deployments = try await components.deployments.deployments(service: service, from: range.from, to: range.to, limit: 1000)
        var json = JSONText(capacity: 1024)
        json.raw("{\"deployments\":[")
        for (index, deployment) in deployments.enumerated() {
            if index > 0 { json.raw(",") }
            Self.write(deployment, to: &json)
        }
        json.raw("]}")
        return .json(json.text)
    }

    func stored(_ text: String) async throws -> Deployment {
        let id = try PathID.parse(text, "deployment")
        guard let deployment = try await components.deployments.deployment(id: id) else {
            throw PerfwatchError(.notFound, "no deployment with id \(id)")
        }
        return deployment
    }

    func one(_ text: String) async throws -> Response {
        var json = JSONText()
        Self.write(try await stored(text), to: &json)
        return .json(json.text)
    }

    func impact(_ text: String) async throws -> Response {
        let deployment = try await stored(text)
        let impact = try await components.regressions.impact(of: deployment, nowMs: TimeParsing.nowMs())
        var json = JSONText(capacity: 2048)
        json.raw("{\"deployment\":")
        Self.write(deployment, to: &json)
        json.raw(",\"beforeFrom\":")
        if let from = impact.beforeFromMs { json.number(from) } else { json.raw("null") }
        json.raw(",\"afterTo\":")
        if let to = impact.afterToMs { json.number(to) } else { json.raw("null") }
        json.raw(",\"note\":")
        if let note = impact.note { json.string(note) } else { json.raw("null") }
        let ordered = impact.routes.sorted { abs($0.comparison.changePct) > abs($1.comparison.changePct) }
        for (key, verdict) in [("regressions", BeforeAfterComparison.Verdict.regressed), ("improvements", .improved), ("unchanged", .noChange)] {
            json.raw(",\"\(key)\":[")
            for (index, change) in ordered.filter({ $0.comparison.verdict == verdict }).enumerated() {
                if index > 0 { json.raw(",") }
                json.raw("{\"route\":")
                json.string(change.route)
                Self.write(change.comparison, to: &json)
                json.raw("}")
            }
            json.raw("]")
        }
        json.raw("}")
        return .json(json.text)
    }

    /// The comparison's fields, appended to an open object.
    static func write(_ comparison: BeforeAfterComparison, to json: inout JSONText) {
        json.raw(",\"p95Before\":")
        json.number((comparison.before * 100).rounded() / 100)
        json.raw(",\"p95After\":")
        json.number((comparison.after * 100).rounded() / 100)
        json.raw(",\"changePct\":")
        json.number((comparison.changePct * 10).rounded() / 10)
        json.raw(",\"pValue\":")
        json.number(comparison.pValue)
        json.raw(",\"probabilityAfterSlower\":")
        json.number((comparison.probabilityAfterSlower * 1000).rounded() / 1000)
        json.raw(",\"requestsBefore\":\(comparison.countBefore),\"requestsAfter\":\(comparison.countAfter),\"verdict\":")
        json.string(comparison.verdict.rawValue)
    }

    static func write(_ deployment: Deployment, to json: inout JSONText) {
        json.raw("{\"id\":\(deployment.id),\"service\":")
        json.string(deployment.service)
        json.raw(",\"version\":")
        json.string(deployment.version)
        json.raw(",\"environment\":")
        json.string(deployment.environment)
        json.raw(",\"time\":\(deployment.timeMs),\"description\":")
        json.string(deployment.description)
        json.raw(",\"source\":")
        json.string(deployment.source.rawValue)
        json.raw("}")
    }
}
