import Hummingbird
import NIOCore
import PerfwatchModel
import ServiceLifecycle

/// `GET /api/v1/alerts/stream`: Server-Sent Events for the dashboard — `notification` for
/// each in-app notification and `state` for each alert transition (pending, firing, resolved,
/// cancelled, acknowledged), a comment every 15 s so proxies keep the stream open, and a clean
/// end when the server shuts down.
extension AlertRoutes {
    static let streamKeepalive: Duration = .seconds(15)

    func registerStream(on router: Router<AppRequestContext>) {
        router.get("/api/v1/alerts/stream") { _, _ in await self.stream(keepalive: Self.streamKeepalive) }
        router.rejectOtherMethods("/api/v1/alerts/stream", allowed: [.get])
    }

    func stream(keepalive: Duration) async -> Response {
        let events = await alerting.inApp.subscribe()
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "keep-alive"],
            body: ResponseBody { writer in
                let (output, continuation) = AsyncStream<String>.makeStream()
                let forward = Task {
                    for await event in events { continuation.yield("event: \(event.name)\ndata: \(event.json)\n\n") }
                    continuation.finish()
                }
                let heartbeat = Task {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: keepalive) } catch { return }
                        continuation.yield(": heartbeat\n\n")
                    }
                }
                defer {
                    forward.cancel()
                    heartbeat.cancel()
                }
                try await withGracefulShutdownHandler {
                    try await writer.write(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
                    for await chunk in output { try await writer.write(ByteBuffer(string: chunk)) }
                } onGracefulShutdown: {
                    continuation.finish()
                }
                try await writer.finish(nil)
            })
    }
}
