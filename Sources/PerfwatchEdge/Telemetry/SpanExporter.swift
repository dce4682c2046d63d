import Foundation
public import Logging
import PerfwatchHTTPClient
import PerfwatchOTLP
public import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// Sends the edge's spans to `{server}/v1/traces` as OTLP/HTTP protobuf: a batch every second
/// or at `batchSize` spans, from a buffer of at most `capacity` exchanges. Beyond it new
/// exchanges are dropped and counted, so a server that is down never slows the proxy or
/// grows its memory; the batch being sent counts as buffered and keeps its room, so a failed
/// batch goes back whole.
public final class SpanExporter: EdgeExchangeSink, Service {
    public struct Counts: Sendable, Equatable, Encodable {
        public var buffered: Int
        public var dropped: Int
        public var exported: Int
    }

    let endpoint: String
    let apiKey: String?
    let service: String
    let instance: String
    let capacity: Int
    let batchSize: Int
    let interval: Duration
    let logger: Logger
    /// `sending`: the batch on its way to the server. It still counts against `capacity` and as buffered:
    /// it goes back into the buffer if the server does not take it.
    private let state = Mutex<(buffer: [EdgeExchange], sending: Int, dropped: Int, exported: Int)>(([], 0, 0, 0))

    public init(
        server: String, apiKey: String?, service: String, instance: String, capacity: Int = 10_000, batchSize: Int = 512,
        interval: Duration = .seconds(1), logger: Logger
    ) {
        endpoint = server + "/v1/traces"
        self.apiKey = apiKey
        self.service = service
        self.instance = instance
        self.capacity = capacity
        self.batchSize = batchSize
        self.interval = interval
        self.logger = logger
    }

    public var counts: Counts {
        state.withLock { Counts(buffered: $0.buffer.count + $0.sending, dropped: $0.dropped, exported: $0.exported) }
    }

    public func record(_ exchange: EdgeExchange) {
        state.withLock { state in
            if state.buffer.count + state.sending < capacity { state.buffer.append(exchange) } else { state.dropped += 1 }
        }
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastSent = ContinuousClock.now
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(100))
                if self.counts.buffered >= self.batchSize || ContinuousClock.now - lastSent >= self.interval {
                    await self.flush()
                    lastSent = .now
                }
            }
        }
        await flush()  // what is left at shutdown, once
    }

    /// Sends everything buffered, one batch at a time; stops at the first failure.
    public func flush() async {
        while true {
            let batch = state.withLock { state -> [EdgeExchange] in
                let count = min(batchSize, state.buffer.count)
                defer {
                    state.buffer.removeFirst(count)
                    state.sending = count
                }
                return Array(state.buffer.prefix(count))
            }
            if batch.isEmpty { return }
            guard await send(batch) else {
                // Room was kept for it (`sending` counts against capacity): it all goes back.
                state.withLock { state in
                    state.sending = 0
                    state.buffer.insert(contentsOf: batch, at: 0)
                }
                return
            }
            state.withLock { state in
                state.sending = 0
                state.exported += batch.count
            }
            if batch.count < batchSize { return }
        }
    }

    func send(_ batch: [EdgeExchange]) async -> Bool {
        let request = SpanBuilder.request(batch.map(SpanBuilder.span), service: service, instance: instance)
        do {
            let body: [UInt8] = try request.serializedBytes()
            let answer = try await OutboundHTTP.send(
                .perfwatchAPI("POST", endpoint, body: body, contentType: "application/x-protobuf", apiKey: apiKey, timeout: .seconds(10)))
            if answer.isSuccess { return true }
            logger.warning("telemetry refused by the server", metadata: ["status": "\(answer.status)", "body": "\(answer.text.prefix(200))"])
        } catch {
            logger.debug("telemetry not sent; kept in the buffer", metadata: ["error": "\(error)"])
        }
        return false
    }
}
