import AsyncHTTPClient
import Logging
@testable import PerfwatchEdge
import PerfwatchEdgePolicy
import Synchronization
import Testing

@Suite("edge active health checks")
struct BalancingHealthCheckTests {
    @Test("an instance failing its health path is taken out after unhealthy_after checks and back after healthy_after")
    func checksReachThePool() async throws {
        let failing = Mutex(true)
        let sick = try await ScriptedUpstream.start { request in
            request.uri == "/up" && failing.withLock({ $0 }) ? .respond(status: 503) : .respond(status: 200)
        }
        let well = try await ScriptedUpstream.start { _ in .respond(status: 200) }
        let dead = "http://127.0.0.1:\(try await closedPort())"
        defer { Task { await sick.stop(); await well.stop() } }
        var configuration = EdgeConfiguration()
        configuration.upstreams = [sick.url, well.url, dead]
        var health = EdgeConfiguration.Health()
        health.path = "/up"
        health.unhealthyAfter = 2
        health.healthyAfter = 1
        health.timeout = .seconds(2)
        let client = EdgeServer.makeClient(configuration)
        let pool = UpstreamPool(urls: configuration.upstreams, algorithm: .roundRobin)
        let checker = HealthChecker(pool: pool, health: health, client: client, logger: Logger(label: "t"))
        await checker.checkAll()
        #expect(pool.snapshot.map(\.healthy) == [true, true, true])
        await checker.checkAll()
        #expect(pool.snapshot.map(\.healthy) == [false, true, false])
        #expect(sick.requests.allSatisfy { $0.uri == "/up" && $0.method == "GET" })
        for _ in 0..<4 { #expect(pool.acquire()?.url == well.url) }
        failing.withLock { $0 = false }
        await checker.checkAll()
        #expect(pool.snapshot.map(\.healthy) == [true, true, false])
        try await client.shutdown()
    }
}
