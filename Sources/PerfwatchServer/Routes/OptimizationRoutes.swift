import Foundation
import Hummingbird
import PerfwatchModel
import PerfwatchStorage

/// Optimizations: record a fix (from an issue or free-standing), mark it applied, and read the
/// validator's before/after impact and the success rate of everything applied.
struct OptimizationRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.post("/api/v1/optimizations") { request, _ in try await self.create(request) }
        router.get("/api/v1/optimizations") { _, _ in try await self.list() }
        router.rejectOtherMethods("/api/v1/optimizations", allowed: [.get, .post])
        router.get("/api/v1/optimizations/:id") { _, context in try await self.one(context.parameters.get("id") ?? "") }
        router.post("/api/v1/optimizations/:id/apply") { request, context in try await self.apply(request, id: context.parameters.get("id") ?? "") }
    }

    func create(_ request: Request) async throws -> Response {
        var request = request
        let fields = try BodyFields(try await request.bodyBytes(limit: 64 * 1024), what: "optimization")
        try fields.rejectUnknown(allowed: ["issueId", "type", "description", "route", "service", "appliedAt", "release"])
        let now = TimeParsing.nowMs()
        let appliedAt = try fields.time("appliedAt", nowMs: now)
        var optimization: PerformanceOptimization
        if let issueID = try fields.id("issueId") {
            guard let issue = try await components.issues.issue(id: issueID) else {
                throw PerfwatchError(.notFound, "optimization: no issue with id \(issueID)")
            }
            optimization = PerformanceOptimization(
                issueID: issueID, type: try fields.string("type") ?? issue.type,
                description: try fields.string("description", maxLength: 4000) ?? "Fix for: \(issue.title)",
                service: try fields.string("service") ?? issue.service, route: try fields.string("route", maxLength: 500) ?? issue.route)
            guard !optimization.route.isEmpty else {
                throw PerfwatchError(
                    .badRequest, "optimization: issue \(issueID) is not about one route; give 'route' (the route whose latency it should improve)")
            }
        } else {
            optimization = PerformanceOptimization(
                type: try fields.string("type", required: true)!, description: try fields.string("description", required: true, maxLength: 4000)!,
                service: try fields.string("service") ?? "", route: try fields.string("route", required: true, maxLength: 500)!)
        }
        optimization.release = try fields.string("release") ?? ""
        optimization.createdMs = now
        optimization.appliedMs = appliedAt
        let stored = try await components.optimizations.addOptimization(optimization)
        var json = JSONText()
        Self.write(stored, to: &json)
        return .json(json.text, status: .created)
    }

    /// `{"appliedAt": …}` optional (default now); applying again restarts the validation.
    func apply(_ request: Request, id text: String) async throws -> Response {
        let id = try PathID.parse(text, "optimization")
        var request = request
        let body = try await request.bodyBytes(limit: 64 * 1024)
        let now = TimeParsing.nowMs()
        var appliedAt = now
        if !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            let fields = try BodyFields(body, what: "apply")
            try fields.rejectUnknown(allowed: ["appliedAt"])
            appliedAt = try fields.time("appliedAt", nowMs: now) ?? now
        }
        guard let optimization = try await components.optimizations.applyOptimization(id: id, atMs: appliedAt) else {
            throw PerfwatchError(.notFound, "no optimization with id \(id)")
        }
        var json = JSONText()
        Self.write(optimization, to: &json)
        return .json(json.text)
    }

    func one(_ text: String) async throws -> Response {
        let id = try PathID.parse(text, "optimization")
        guard let optimization = try await components.optimizations.optimization(id: id) else {
            throw PerfwatchError(.notFound, "no optimization with id \(id)")
        }
        var json = JSONText()
        Self.write(optimization, to: &json)
        return .json(json.text)
    }

    /// The list, and the success rate: improved ÷ validated among applied optimizations.
    func list() async throws -> Response {
        let optimizations = try await components.optimizations.optimizations(limit: 1000)
        var json = JSONText(capacity: 4096)
        json.raw("{\"optimizations\":[")
        for (index, optimization) in optimizations.enumerated() {
            if index > 0 { json.raw(",") }
            Self.write(optimization, to: &json)
        }
        let applied = optimizations.filter { $0.appliedMs != nil }
        let verdicts = applied.compactMap { $0.impact?.verdict }
        let improved = verdicts.filter { $0 == .improved }.count
        json.raw("],\"summary\":{\"total\":\(optimizations.count),\"applied\":\(applied.count),\"validated\":\(verdicts.count)")
        json.raw(",\"improved\":\(improved),\"noChange\":\(verdicts.filter { $0 == .noChange }.count)")
        json.raw(",\"regressed\":\(verdicts.filter { $0 == .regressed }.count),\"successRate\":")
        if verdicts.isEmpty { json.raw("null") } else { json.number(Double(improved) / Double(verdicts.count)) }
        json.raw("}}")
        return .json(json.text)
    }

    static func write(_ optimization: PerformanceOptimization, to json: inout JSONText) {
        json.raw("{\"id\":\(optimization.id),\"issueId\":")
        if let issue = optimization.issueID { json.number(issue) } else { json.raw("null") }
        json.raw(",\"type\":")
        json.string(optimization.type)
        json.raw(",\"description\":")
        json.string(optimization.description)
        json.raw(",\"service\":")
        json.string(optimization.service)
        json.raw(",\"route\":")
        json.string(optimization.route)
        json.raw(",\"release\":")
        json.string(optimization.release)
        json.raw(",\"createdAt\":\(optimization.createdMs),\"appliedAt\":")
        if let applied = optimization.appliedMs { json.number(applied) } else { json.raw("null") }
        json.raw(",\"status\":")
        json.string(optimization.impact != nil ? "validated" : (optimization.appliedMs != nil ? "applied" : "planned"))
        json.raw(",\"impact\":")
        if let impact = optimization.impact {
            json.raw("{\"before\":")
            json.number((impact.before * 100).rounded() / 100)
            json.raw(",\"after\":")
            json.number((impact.after * 100).rounded() / 100)
            json.raw(",\"change_pct\":")
            json.number((impact.changePct * 10).rounded() / 10)
            json.raw(",\"p_value\":")
            json.number(impact.pValue)
            json.raw(",\"verdict\":")
            json.string(impact.verdict.rawValue)
            json.raw(
                ",\"requests_before\":\(impact.requestsBefore),\"requests_after\":\(impact.requestsAfter),\"before_from\":\(impact.beforeFromMs),\"after_to\":\(impact.afterToMs),\"validated_at\":\(impact.validatedMs)}"
            )
        } else {
            json.raw("null")
        }
        json.raw("}")
    }
}
