import AsyncHTTPClient
import Logging
import PerfwatchEdge
import PerfwatchEdgePolicy
import ServiceLifecycle
import Testing

@Suite("edge proxy: graceful drain")
struct ProxyDrainTests {
    @Test("graceful shutdown lets the request in flight finish, then stops accepting")
    func drainsInFlight() async throws {
        let upstream = try await ScriptedUpstream.start { _ in .respond(status: 200, body: Array("late".utf8), delay: .milliseconds(600)) }
        defer { Task { await upstream.stop() } }
        var configuration = EdgeConfiguration()
        configuration.upstreams = [upstream.url]
        let logger = Logger(label: "edge-test")
        let client = EdgeServer.makeClient(configuration)
        let pool = UpstreamPool(urls: configuration.upstreams, algorithm: .roundRobin)
        let policy = PolicyState(local: configuration.localPolicy, upstreams: configuration.upstreams, balancing: .roundRobin, pool: pool)
        let proxy = EdgeProxy(configuration: configuration, pool: pool, policy: policy, client: client, sink: nil, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = try EdgeServer.makeService(proxy: proxy, host: "127.0.0.1", port: 0, logger: logger) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        let inFlight = Task { try await TestClient.send("http://127.0.0.1:\(port)/slow") }
        while upstream.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        await group.triggerGracefulShutdown()
        let answer = try await inFlight.value
        #expect(answer.status == 200 && answer.text == "late")
        try await running.value
        await #expect(throws: (any Error).self) { try await TestClient.send("http://127.0.0.1:\(port)/after") }
        try await client.shutdown()
    }
}
