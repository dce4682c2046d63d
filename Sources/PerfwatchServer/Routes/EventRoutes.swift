import Hummingbird
import NIOCore
import PerfwatchIngest
import PerfwatchModel
import ServiceLifecycle
import Synchronization

/// `GET /api/v1/events`: Server-Sent Events telling dashboards that new data is durable.
/// Commits are coalesced to at most one event per second; a comment every 15 s keeps proxies
/// from closing idle streams.
struct EventRoutes {
    let components: ServerComponents
    static let minimumInterval: Duration = .seconds(1)
    static let keepaliveInterval: Duration = .seconds(15)

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/events") { _, _ in self.stream() }
        router.rejectOtherMethods("/api/v1/events", allowed: [.get])
    }

    func stream() -> Response {
        let events = components.broadcaster.subscribe()
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "keep-alive"],
            body: ResponseBody { writer in
                let (output, outputContinuation) = AsyncStream<String>.makeStream()
                let pending = PendingEvent()
                let pump = Task {
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await event in events {
                                pending.state.withLock { current in
                                    var merged = current ?? (metrics: [], samples: 0, time: 0)
                                    merged.metrics.formUnion(event.metrics)
                                    merged.samples += event.samples
                                    merged.time = event.timeMs
                                    current = merged
                                }
                            }
                            outputContinuation.finish()
                        }
                        group.addTask {
                            let clock = ContinuousClock()
                            var lastSent = clock.now - Self.minimumInterval
                            var lastKeepalive = clock.now
                            while !Task.isCancelled {
                                try? await Task.sleep(for: .milliseconds(200))
                                if clock.now - lastSent >= Self.minimumInterval,
                                    let event = pending.state.withLock({ current -> (metrics: Set<String>, samples: Int, time: Int64)? in
                                        defer { current = nil }
                                        return current
                                    })
                                {
                                    outputContinuation.yield(Self.format(event))
                                    lastSent = clock.now
                                }
                                if clock.now - lastKeepalive >= Self.keepaliveInterval {
                                    outputContinuation.yield(": keepalive\n\n")
                                    lastKeepalive = clock.now
                                }
                            }
                        }
                        await group.next()
                        group.cancelAll()
                    }
                }
                defer { pump.cancel() }
                try await withGracefulShutdownHandler {
                    try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
                    for await chunk in output {
                        try await writer.write(ByteBuffer(string: chunk))
                    }
                } onGracefulShutdown: {
                    outputContinuation.finish()
                }
                try await writer.finish(nil)
            })
    }

    static func format(_ event: (metrics: Set<String>, samples: Int, time: Int64)) -> String {
        let data = IngestEventData(time: event.time, metrics: Array(event.metrics.sorted().prefix(100)), samples: event.samples)
        // Strings and integers only: the encoder has nothing to fail on.
        let json = (try? CompactJSONEncoder().encode(data)) ?? "{}"
        return "event: ingest\ndata: \(json)\n\n"
    }
}

/// Commits seen since the last event was sent, merged.
final class PendingEvent: Sendable {
    let state = Mutex<(metrics: Set<String>, samples: Int, time: Int64)?>(nil)
}
