import Foundation
import Logging
@testable import PerfwatchForwarding
import PerfwatchHTTPClient
import PerfwatchModel
import PerfwatchTesting
import Synchronization
import Testing

@Suite("Forwarding senders and hub")
struct ForwardSenderTests {
    static func destination(_ directory: String, maxBytes: Int = 1 << 20) -> ForwardDestination {
        ForwardDestination(
            name: "collector", kind: .otlp(metricsURL: "http://127.0.0.1:9/v1/metrics", tracesURL: "http://127.0.0.1:9/v1/traces", gzip: false),
            headers: [("api-key", "secret")], signals: [.metrics, .traces], metricFilter: MetricNameFilter(patterns: ["!system.*"]),
            spoolDirectory: directory, spoolMaxBytes: maxBytes, timeout: .seconds(5),
            backoff: .init(initial: .milliseconds(10), maximum: .milliseconds(40)))
    }

    /// Answers from a script, one per request, and keeps what was sent.
    final class ScriptedTransport: Sendable {
        let answers: Mutex<[Int]>
        let sent = Mutex<[OutboundRequest]>([])

        init(_ answers: [Int]) { self.answers = Mutex(answers) }

        func send(_ request: OutboundRequest) async throws -> OutboundResponse {
            sent.withLock { $0.append(request) }
            let status = answers.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            if status == 0 { throw URLError(.cannotConnectToHost) }
            return OutboundResponse(status: status, body: [], headers: status == 429 ? [("Retry-After", "0")] : [])
        }
    }

    static func until(_ condition: () async -> Bool) async throws {
        for _ in 0..<500 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met in 5 s")
    }

    @Test func retriesFailuresThenDeliversAndDropsRefused() async throws {
        try await withTemporaryDirectory { directory in
            // Connection refused, 503, 429, then 200 for the metrics; 400 for the traces.
            let transport = ScriptedTransport([0, 503, 429, 200, 400])
            let hub = try ForwardingHub(
                destinations: [Self.destination(directory)], logger: Logger(label: "test"), transport: { try await transport.send($0) },
                idlePoll: .milliseconds(5))
            let running = Task { try await hub.run() }
            hub.observe(ForwardFixtures.payload())
            let statistics = hub.lanes[0].statistics
            try await Self.until { statistics.sent == 3 && statistics.dropped(.rejected) == 2 }
            #expect(statistics.failures == 3)
            let sent = transport.sent.withLock { $0 }
            #expect(sent.count == 5)
            #expect(sent[3].url == "http://127.0.0.1:9/v1/metrics" && sent[4].url == "http://127.0.0.1:9/v1/traces")
            #expect(sent[3].headers.contains { $0 == ("api-key", "secret") })
            #expect(sent[3].headers.contains { $0 == ("Content-Type", "application/x-protobuf") })
            let text = await hub.metricsText()
            #expect(text.contains("perfwatch_forward_sent_total{destination=\"collector\"} 3\n"))
            #expect(text.contains("perfwatch_forward_dropped_total{destination=\"collector\",reason=\"rejected\"} 2\n"))
            #expect(text.contains("perfwatch_forward_failures_total{destination=\"collector\"} 3\n"))
            #expect(text.contains("perfwatch_forward_spool_bytes{destination=\"collector\"} 0\n"))
            running.cancel()
        }
    }

    @Test func hangingDestinationNeverBlocksObserve() async throws {
        try await withTemporaryDirectory { directory in
            let started = ScriptedTransport([])
            let hub = try ForwardingHub(
                destinations: [Self.destination(directory)], logger: Logger(label: "test"),
                transport: { _ in
                    started.sent.withLock { $0.append(OutboundRequest(url: "", timeout: .seconds(1))) }
                    try await Task.sleep(for: .seconds(3600))
                    return OutboundResponse(status: 200, body: [])
                }, idlePoll: .milliseconds(5))
            let running = Task { try await hub.run() }
            for _ in 0..<50 { hub.observe(ForwardFixtures.payload()) }
            await hub.spoolPending()
            try await Self.until { started.sent.withLock { $0.count } == 1 }
            // Everything was spooled while the one send hangs.
            #expect(await hub.lanes[0].spool.pendingBytes > 0)
            #expect(hub.lanes[0].statistics.sent == 0)
            running.cancel()
        }
    }

    @Test func spooledRecordsAreSentAfterARestart() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let down = try ForwardingHub(
                    destinations: [Self.destination(directory)], logger: Logger(label: "test"), transport: { _ in throw URLError(.cannotConnectToHost) })
                down.observe(ForwardFixtures.payload())
                await down.spoolPending()
            }
            let transport = ScriptedTransport([])
            let up = try ForwardingHub(
                destinations: [Self.destination(directory)], logger: Logger(label: "test"), transport: { try await transport.send($0) },
                idlePoll: .milliseconds(5))
            let running = Task { try await up.run() }
            try await Self.until { up.lanes[0].statistics.sent == 5 }
            #expect(transport.sent.withLock { $0.count } == 2)
            running.cancel()
        }
    }

    @Test func backoffDoublesWithJitterAndRetryAfterIsHonoured() {
        let backoff = ForwardDestination.Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(ForwardSender.backoff(attempt: 0, backoff, random: 0) == .milliseconds(50))
        #expect(ForwardSender.backoff(attempt: 0, backoff, random: 1) == .milliseconds(100))
        #expect(ForwardSender.backoff(attempt: 2, backoff, random: 1) == .milliseconds(400))
        #expect(ForwardSender.backoff(attempt: 30, backoff, random: 1) == .seconds(1))
        #expect(ForwardSender.outcome(status: 503, retryAfter: "7") == .retry(after: .seconds(7)))
        #expect(ForwardSender.outcome(status: 429, retryAfter: nil) == .retry(after: nil))
        #expect(ForwardSender.outcome(status: 404, retryAfter: nil) == .rejected(status: 404))
        #expect(ForwardSender.outcome(status: 202, retryAfter: nil) == .delivered)
        // An HTTP date 30 s after "now".
        #expect(ForwardSender.parseRetryAfter("Tue, 01 Dec 2026 09:30:30 GMT", nowMs: ForwardFixtures.timeMs) == .seconds(30))
        #expect(ForwardSender.parseRetryAfter("soon", nowMs: 0) == nil)
    }
}
