import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PerfwatchConfig
import PerfwatchEdgePolicy
import PerfwatchModel
import PerfwatchStorage
import ServiceLifecycle

/// The server side of `perfwatch edge`: the versioned policy edges long-poll, their reports, the
/// instances and policy history for the Edge page, and publishing a policy by hand (docs/edge.md).
struct EdgeRoutes {
    let components: ServerComponents
    var edge: EdgePolicyService { components.edge }

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/edge/policy") { request, _ in try await self.policy(request) }
        router.put("/api/v1/edge/policy") { request, _ in try await self.publish(request) }
        router.rejectOtherMethods("/api/v1/edge/policy", allowed: [.get, .put])
        router.post("/api/v1/edge/report") { request, _ in try await self.report(request) }
        router.rejectOtherMethods("/api/v1/edge/report", allowed: [.post])
        router.get("/api/v1/edge/instances") { _, _ in try await self.instances() }
        router.get("/api/v1/edge/policies") { _, _ in try await self.history() }
    }

    /// `?wait=30s` with `If-None-Match: "N"`: the policy at once when its version is not N, else a
    /// 304 after up to `wait` (at most 60 s) unless one is published meanwhile.
    func policy(_ request: Request) async throws -> Response {
        var waitMs: Int64 = 0
        if let text = request.uri.queryParameters["wait"].map(String.init), !text.isEmpty {
            guard let ms = try? DurationText.parse(text).wholeMilliseconds, ms >= 0 else {
                throw PerfwatchError(.badRequest, "wait '\(text)' is not a duration like 30s")
            }
            guard ms <= EdgePolicyService.maxWaitMs else { throw PerfwatchError(.badRequest, "wait '\(text)' is over the limit of 60s") }
            waitMs = ms
        }
        let known = request.headers[.ifNoneMatch].flatMap(Self.version(fromETag:))
        // At shutdown every held poll is answered (304) so none holds the server's graceful shutdown open.
        let edge = self.edge
        let answer = try await withGracefulShutdownHandler {
            try await edge.waitForChange(from: known, timeout: .milliseconds(waitMs))
        } onGracefulShutdown: {
            Task { await edge.releaseWaiters() }
        }
        guard let current = answer else {
            return Response(status: .notModified, headers: [.eTag: Self.eTag(known ?? 0)])
        }
        return Self.policyResponse(current)
    }

    /// The policy's wire JSON with its version as the ETag (what a long poll compares).
    static func policyResponse(_ current: EdgePolicyService.Current) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .eTag: eTag(current.version)],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: current.json)))
    }

    /// A whole policy by hand: parsed strictly (a refusal names the line and field), published as
    /// the next version; whatever `version` the body has is replaced.
    func publish(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.bodyBytes(limit: 1024 * 1024)
        let policy: EdgePolicy
        do throws(ConfigError) {
            policy = try EdgePolicy.parse(json: body, what: "edge policy")
        } catch {
            throw PerfwatchError(.badRequest, error.description)
        }
        return Self.policyResponse(try await edge.publish(policy, reason: "published by hand"))
    }

    func report(_ request: Request) async throws -> Response {
        let report = try await request.decodedBody(as: EdgeReport.self, what: "edge report", rejectUnknownFields: false)
        let check = BodyFieldChecks(what: "edge report")
        _ = try check.text(report.edge, "edge", required: true)
        _ = try check.text(report.service, "service")
        guard report.policyVersion >= 0 else { throw PerfwatchError(.badRequest, "edge report: 'policy_version' must be 0 or more") }
        try await edge.record(report)
        return Response(status: .noContent)
    }

    func instances() async throws -> Response {
        let version = try await edge.current().version
        return try .json(EdgeInstances(policyVersion: version, reports: await edge.reports.entries, nowMs: edge.clock()), capacity: 4096)
    }

    func history() async throws -> Response {
        try .json(EdgePolicyHistory(try await components.edge.store.edgePolicies(limit: 100)), capacity: 4096)
    }

    static func eTag(_ version: Int64) -> String { "\"\(version)\"" }

    /// `"3"`, `W/"3"` or `3`; nil for anything else (then the policy is sent).
    static func version(fromETag text: String) -> Int64? {
        var tag = Substring(text.trimmingCharacters(in: .whitespaces))
        if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
        if tag.hasPrefix("\""), tag.hasSuffix("\""), tag.count >= 2 { tag = tag.dropFirst().dropLast() }
        return Int64(tag)
    }
}
