import Foundation
import PerfwatchEdgePolicy
import PerfwatchModel
@testable import PerfwatchServer
import PerfwatchServerTesting
import PerfwatchStorage
import PerfwatchTesting
import Testing

@Suite("Edge policy service: publish, long poll, confirmation, rollback, proposals")
struct EdgePolicyServiceTests {
    static let cacheCourses = #"{"routes":[{"match":"/courses/:id","cache":{"ttl":"60s"}}],"compression":{"algorithms":["br","gzip"]}}"#

    func withService<T: Sendable>(_ body: @Sendable (EdgePolicyService, EmbeddedStore) async throws -> T) async throws -> T {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: EmbeddedStoreConfiguration(directory: directory, fsyncEachCommit: false))
            return try await body(EdgePolicyService(store: store, optimizations: store), store)
        }
    }

    func policy(_ json: String) throws -> EdgePolicy { try EdgePolicy.parse(json: Array(json.utf8), what: "test policy") }

    func report(_ edge: String, version: Int64) -> EdgeReport {
        EdgeReport(edge: edge, service: "edge", policyVersion: version, refused: nil, upstreams: [], cache: nil, bytesSaved: 0, telemetry: nil, images: nil)
    }

    func edgeOptimization(_ store: EmbeddedStore, change: String = cacheCourses) async throws -> PerformanceOptimization {
        try await store.addOptimization(
            PerformanceOptimization(
                type: "edge_cache", description: "cache courses", service: "edge", route: "/courses/:id", createdMs: 1, policyChange: change))
    }

    @Test("version 0 before anything is published; each publish is the next version, kept in the history")
    func publish() async throws {
        try await withService { service, store in
            #expect(try await service.current().version == 0)
            let first = try await service.publish(try policy(#"{"routes":[{"match":"/static/*","cache":{"ttl":"1h"}}]}"#), reason: "by hand")
            #expect(first.version == 1)
            let second = try await service.publish(try policy(#"{"balancing":"p2c_ewma","routes":[]}"#), reason: "again")
            #expect(second.version == 2 && second.policy.balancing == .p2cEWMA)
            #expect(try await service.current().version == 2)
            #expect(try await store.edgePolicies(limit: 10).map(\.version) == [2, 1])
            #expect(try await store.edgePolicy(version: 1)?.reason == "by hand")
            // A new service over the same store starts from the latest version.
            #expect(try await EdgePolicyService(store: store, optimizations: store).current().version == 2)
        }
    }

    @Test("a long poll answers at once when its version is old, waits for a publish, or times out with nil")
    func longPoll() async throws {
        try await withService { service, _ in
            #expect(try await service.waitForChange(from: nil, timeout: .seconds(5))?.version == 0)
            #expect(try await service.waitForChange(from: 7, timeout: .seconds(5))?.version == 0)
            let started = ContinuousClock.now
            #expect(try await service.waitForChange(from: 0, timeout: .milliseconds(100)) == nil)
            #expect(ContinuousClock.now - started >= .milliseconds(100))

            let waiter = Task { try await service.waitForChange(from: 0, timeout: .seconds(60))?.version }
            while await service.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let woken = ContinuousClock.now
            try await service.publish(try policy(#"{"routes":[]}"#), reason: "wake")
            #expect(try await waiter.value == 1)
            // Well before the 60 s timeout, with room for a loaded machine.
            #expect(ContinuousClock.now - woken < .seconds(30))
            #expect(await service.waiting == 0)
        }
    }

    @Test("at shutdown held long polls are answered at once, and new ones do not wait")
    func shutdown() async throws {
        try await withService { service, _ in
            let waiter = Task { try await service.waitForChange(from: 0, timeout: .seconds(60)) == nil }
            while await service.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let released = ContinuousClock.now
            await service.releaseWaiters()
            #expect(try await waiter.value)
            #expect(ContinuousClock.now - released < .seconds(30))
            let started = ContinuousClock.now
            #expect(try await service.waitForChange(from: 0, timeout: .seconds(60)) == nil)
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test("applied_at is set when every connected edge runs the version, at once when none is connected")
    func confirmation() async throws {
        try await withService { service, store in
            let alone = try await service.apply(try await edgeOptimization(store))
            #expect(alone.status == "applied" && alone.policyVersion == 1 && alone.previousVersion == 0 && alone.appliedMs != nil)

            try await service.record(report("a", version: 1))
            try await service.record(report("b", version: 1))
            let second = try await edgeOptimization(store, change: #"{"balancing":"least_requests"}"#)
            let waiting = try await service.apply(second)
            #expect(waiting.status == "applied" && waiting.policyVersion == 2 && waiting.appliedMs == nil)
            try await service.record(report("a", version: 2))
            #expect(try await store.optimization(id: second.id)?.appliedMs == nil)
            try await service.record(report("b", version: 2))
            #expect(try await store.optimization(id: second.id)?.appliedMs != nil)
        }
    }

    @Test("a rollback restores only what the change touched and keeps what was published after it")
    func rollback() async throws {
        try await withService { service, store in
            try await service.publish(try policy(#"{"routes":[{"match":"/static/*","cache":{"ttl":"1h"}}]}"#), reason: "base")
            let optimization = try await service.apply(try await edgeOptimization(store))
            let applied = try await service.current().policy
            #expect(applied.routes.map(\.match) == ["/static/*", "/courses/:id"] && applied.compression != nil)
            try await service.publish(
                try policy(
                    #"{"compression":{"algorithms":["br","gzip"]},"routes":[{"match":"/static/*","cache":{"ttl":"1h"}},{"match":"/courses/:id","cache":{"ttl":"60s"}},{"match":"/later","cache":{"ttl":"5s"}}]}"#),
                reason: "later")

            let rolledBack = try await service.rollBackOptimization(optimization, reason: "by hand", nowMs: 42)
            #expect(rolledBack.status == "rolled_back" && rolledBack.rolledBackMs == 42 && rolledBack.rollbackReason == "by hand")
            let now = try await service.current()
            #expect(now.version == 4)
            #expect(now.policy.routes.map(\.match) == ["/static/*", "/later"])
            #expect(now.policy.compression == nil)
            #expect(try await store.edgePolicy(version: 4)?.reason.hasPrefix("rollback of optimization \(optimization.id)") == true)

            await #expect(throws: PerfwatchError.self) { try await service.rollBackOptimization(rolledBack, reason: "twice", nowMs: 43) }
            let planned = try await store.addOptimization(PerformanceOptimization(type: "index", description: "d", service: "s", route: "/r"))
            await #expect(throws: PerfwatchError.self) { try await service.rollBackOptimization(planned, reason: "never applied", nowMs: 44) }
        }
    }

    @Test("one proposal per open edge issue with a policy change; auto_apply applies it and says so")
    func proposals() async throws {
        try await withService { service, store in
            let evidence = #"{"identical_share":0.94,"policy_change":\#(Self.cacheCourses)}"#
            let issues = try await store.recordAnalysisPass(
                [
                    PerformanceIssue(
                        fingerprint: "edge_cache:/courses/:id", type: "edge_cache", title: "cacheable", description: "d",
                        recommendation: "Cache GET /courses/:id for 60 s: expected p95 310 → 4 ms for hits",
                        severity: "warning", service: "edge", route: "/courses/:id", impactMs: 300, evidence: evidence),
                    PerformanceIssue(
                        fingerprint: "edge_compression:js", type: "edge_compression", title: "compress", description: "d", recommendation: " ",
                        severity: "info", service: "edge", route: "/app.js", impactMs: 10,
                        evidence: #"{"policy_change":{"compression":{"algorithms":["br"]}}}"#),
                    PerformanceIssue(
                        fingerprint: "edge_cache:/me", type: "edge_cache", title: "no change", description: "d", recommendation: "r",
                        severity: "info", service: "edge", route: "/me", impactMs: 1, evidence: #"{"share":0.1}"#),
                ], analyzedTypes: ["edge_cache", "edge_compression"], nowMs: 1000, resolveAfterPasses: 3)
            #expect(issues.count == 3)
            let proposals = EdgeProposals(
                issues: store, optimizations: store, edge: service, autoApply: ["edge_compression"], logger: .testing)
            let created = await proposals.afterPass(nowMs: 2000)
            #expect(created.count == 2)
            let cache = try #require(created.first { $0.type == "edge_cache" })
            #expect(cache.status == "proposed" && cache.route == "/courses/:id" && cache.policyChange != nil)
            #expect(cache.description == "Cache GET /courses/:id for 60 s: expected p95 310 → 4 ms for hits")
            let compression = try #require(created.first { $0.type == "edge_compression" })
            #expect(compression.status == "applied")
            #expect(compression.description == "compress text/*, application/javascript, application/json, image/svg+xml, application/xml with br (applied automatically: analysis.auto_apply lists edge_compression)")
            #expect(try await service.current().policy.compression != nil)
            #expect(await proposals.afterPass(nowMs: 3000).isEmpty)
        }
    }
}

@Suite("ETag versions")
struct EdgeETagTests {
    @Test("quoted, weak and bare versions parse; anything else is no version")
    func parse() {
        #expect(EdgeRoutes.version(fromETag: "\"3\"") == 3)
        #expect(EdgeRoutes.version(fromETag: "W/\"12\"") == 12)
        #expect(EdgeRoutes.version(fromETag: "5") == 5)
        #expect(EdgeRoutes.version(fromETag: "\"x\"") == nil)
        #expect(EdgeRoutes.version(fromETag: "*") == nil)
        #expect(EdgeRoutes.eTag(9) == "\"9\"")
    }
}
