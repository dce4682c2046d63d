import AsyncHTTPClient
import Logging
import NIOHTTP1
import PerfwatchModel
import NIOCore
import ServiceLifecycle

/// Active health checks: `GET health.path` on every upstream each `health.interval`; an answer
/// below 400 within `health.timeout` passes. `HealthRule` turns the results into `healthy`.
struct HealthChecker: Service {
    let pool: UpstreamPool
    let health: EdgeConfiguration.Health
    let client: HTTPClient
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await checkAll()
                try await Task.sleep(for: health.interval)
            }
        }
    }

    func checkAll() async {
        let upstreams = pool.snapshot
        await withTaskGroup(of: (Int, Bool).self) { group in
            for (index, upstream) in upstreams.enumerated() {
                group.addTask { (index, await check(upstream.url)) }
            }
            for await (index, passed) in group {
                // A flip always lands on the check's result, so `passed` says which way it went.
                if pool.recordHealth(index: index, passed: passed, health: health) {
                    logger.notice("upstream \(passed ? "healthy again" : "unhealthy")", metadata: ["upstream": "\(upstreams[index].url)"])
                }
            }
        }
    }

    func check(_ url: String) async -> Bool {
        do {
            let response = try await client.execute(
                HTTPClientRequest(url: url + health.path), deadline: .now() + .milliseconds(health.timeout.wholeMilliseconds), logger: logger)
            for try await _ in response.body {}
            return response.status.code < 400
        } catch {
            return false
        }
    }
}
