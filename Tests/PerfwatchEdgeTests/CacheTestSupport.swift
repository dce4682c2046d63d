@testable import PerfwatchEdge
import Synchronization
import Testing

/// A clock the test moves by hand (milliseconds).
final class ManualClock: Sendable {
    private let nowMs = Mutex<Int64>(1_000_000)
    var read: @Sendable () -> Int64 { { [self] in nowMs.withLock { $0 } } }
    func advance(seconds: Double) { nowMs.withLock { $0 += Int64(seconds * 1000) } }
}

/// An upstream that answers with `answer` and records every request it got.
final class FakeUpstream: Sendable {
    private let state: Mutex<(requests: [EdgeRequest], answer: @Sendable (EdgeRequest) async throws -> EdgeResponse)>

    init(_ answer: @escaping @Sendable (EdgeRequest) async throws -> EdgeResponse) {
        state = Mutex((requests: [], answer: answer))
    }

    convenience init(status: Int = 200, headers: [(name: String, value: String)], body: String = "body") {
        let response = EdgeResponse(status: status, headers: headers, body: Array(body.utf8))
        self.init { _ in response }
    }

    var requests: [EdgeRequest] { state.withLock { $0.requests } }
    var fetches: Int { requests.count }

    func answer(with answer: @escaping @Sendable (EdgeRequest) async throws -> EdgeResponse) {
        state.withLock { $0.answer = answer }
    }

    var fetch: ResponseCache.Fetch {
        { [self] request in
            let answer = state.withLock { state in
                state.requests.append(request)
                return state.answer
            }
            return try await answer(request)
        }
    }
}

struct UpstreamDown: Error {}

func makeCache(_ clock: ManualClock, maxBytes: Int = 1 << 20, maxEntryBytes: Int = 1 << 20) -> ResponseCache {
    ResponseCache(maxBytes: maxBytes, maxEntryBytes: maxEntryBytes, clock: clock.read)
}

func get(_ target: String = "/courses/1", _ headers: [(name: String, value: String)] = []) -> EdgeRequest {
    EdgeRequest(method: "GET", target: target, headers: headers)
}

func bodyText(_ response: EdgeResponse) -> String { String(decoding: response.body, as: UTF8.self) }

/// Holds fetches until the test opens it.
final class Gate: Sendable {
    private let isOpen = Mutex(false)
    func open() { isOpen.withLock { $0 = true } }
    func wait() async {
        while !isOpen.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(2)) }
    }
}

/// Polls `condition` every 5 ms for up to 10 s.
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<2000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("condition not met within 10 s")
}
