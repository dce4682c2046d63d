import Foundation
import Hummingbird
import PerfwatchIngest
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
        router.post("/api/v1/optimizations/:id/rollback") { _, context in try await self.rollback(id: context.parameters.get("id") ?? "") }
    }

    /// `policy_change` (an `EdgePolicyChange` object) makes it an edge optimization, applied by
    /// publishing the change; it is read with the edge policy's own parser (errors name the field).
    func create(_ request: Request) async throws -> Response {
        var request = request
        let bytes = try await request.bodyBytes(limit: 64 * 1024)
        guard let members = (try? JSONReader.parse(bytes))?.objectMembers else {
            throw PerfwatchError(.badRequest, "optimization: body must be a JSON object")
        }
        let body = try JSONValueDecoder(what: "optimization").decode(
            OptimizationRequest.self, from: .object(members.filter { $0.key != "policy_change" }))
        let policyChange = try members.contains { $0.key == "policy_change" } ? EdgePolicyChangeText.canonical(inBody: bytes) : nil
        let check = BodyFieldChecks(what: "optimization")
        let now = TimeParsing.nowMs()
        let appliedAt = try check.time(body.appliedAt, "appliedAt", nowMs: now)
        var optimization: PerformanceOptimization
        if let issueID = try check.id(body.issueId, "issueId") {
            guard let issue = try await components.issues.issue(id: issueID) else {
                throw PerfwatchError(.notFound, "optimization: no issue with id \(issueID)")
            }
            optimization = PerformanceOptimization(
                issueID: issueID, type: try check.text(body.type, "type") ?? issue.type,
                description: try check.text(body.description, "description", maxLength: 4000) ?? "Fix for: \(issue.title)",
                service: try check.text(body.service, "service") ?? issue.service, route: try check.text(body.route, "route", maxLength: 500) ?? issue.route)
            guard !optimization.route.isEmpty else {
                throw PerfwatchError(
                    .badRequest, "optimization: issue \(issueID) is not about one route; give 'route' (the route whose latency it should improve)")
            }
        } else {
            optimization = PerformanceOptimization(
                type: try check.text(body.type, "type", required: true)!,
                description: try check.text(body.description, "description", required: true, maxLength: 4000)!,
                service: try check.text(body.service, "service") ?? "", route: try check.text(body.route, "route", required: true, maxLength: 500)!)
        }
        optimization.release = try check.text(body.release, "release") ?? ""
        optimization.policyChange = policyChange
        if policyChange != nil && appliedAt != nil {
            throw PerfwatchError(.badRequest, "optimization: an edge optimization ('policy_change') is applied through /apply, not with 'appliedAt'")
        }
        optimization.createdMs = now
        optimization.appliedMs = appliedAt
        return try .json(OptimizationBody(try await components.optimizations.addOptimization(optimization)), status: .created)
    }

    /// `{"appliedAt": …}` optional (default now); applying again restarts the validation. A `db_index`
    /// optimization is applied by building its index (`DatabaseIndexOptimizations.apply`). An edge
    /// optimization (one with a policy change) is applied by publishing the change instead: its
    /// `appliedAt` is when the edges confirm, so a body is refused.
    func apply(_ request: Request, id text: String) async throws -> Response {
        let id = try PathID.parse(text, "optimization")
        if let optimization = try await components.optimizations.optimization(id: id), optimization.type == DatabaseIndexChange.optimizationType {
            var request = request
            guard try await request.bodyBytes(limit: 64 * 1024).allSatisfy(Self.isWhitespace) else {
                throw PerfwatchError(.badRequest, "apply: optimization \(id) is applied by building its index; send no body")
            }
            return try .json(OptimizationBody(try await components.indexOptimizations.apply(optimization)))
        }
        if let optimization = try await components.optimizations.optimization(id: id), optimization.policyChange != nil {
            var request = request
            guard try await request.bodyBytes(limit: 64 * 1024).allSatisfy(Self.isWhitespace) else {
                throw PerfwatchError(.badRequest, "apply: optimization \(id) is applied by publishing its edge policy change; send no body")
            }
            return try .json(OptimizationBody(try await components.edge.apply(optimization)))
        }
        var request = request
        let body = try await request.bodyBytes(limit: 64 * 1024)
        let now = TimeParsing.nowMs()
        var appliedAt = now
        if !body.allSatisfy(Self.isWhitespace) {
            let fields = try JSONValueDecoder(what: "apply").decode(OptimizationApplyRequest.self, from: body)
            appliedAt = try BodyFieldChecks(what: "apply").time(fields.appliedAt, "appliedAt", nowMs: now) ?? now
        }
        guard let optimization = try await components.optimizations.applyOptimization(id: id, atMs: appliedAt) else {
            throw PerfwatchError(.notFound, "no optimization with id \(id)")
        }
        return try .json(OptimizationBody(optimization))
    }

    /// Takes an applied edge optimization's change back out of the edge policy, or drops the index an
    /// applied `db_index` one built (409 for any other).
    func rollback(id text: String) async throws -> Response {
        let id = try PathID.parse(text, "optimization")
        guard let optimization = try await components.optimizations.optimization(id: id) else {
            throw PerfwatchError(.notFound, "no optimization with id \(id)")
        }
        if optimization.type == DatabaseIndexChange.optimizationType {
            return try .json(
                OptimizationBody(try await components.indexOptimizations.rollBack(optimization, reason: "dropped by hand", nowMs: TimeParsing.nowMs())))
        }
        return try .json(
            OptimizationBody(try await components.edge.rollBackOptimization(optimization, reason: "rolled back by hand", nowMs: TimeParsing.nowMs())))
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    func one(_ text: String) async throws -> Response {
        let id = try PathID.parse(text, "optimization")
        guard let optimization = try await components.optimizations.optimization(id: id) else {
            throw PerfwatchError(.notFound, "no optimization with id \(id)")
        }
        return try .json(OptimizationBody(optimization))
    }

    /// The list, and the success rate: improved ÷ validated among applied optimizations.
    func list() async throws -> Response {
        let optimizations = try await components.optimizations.optimizations(limit: 1000)
        return try .json(OptimizationList(optimizations), capacity: 4096)
    }
}
