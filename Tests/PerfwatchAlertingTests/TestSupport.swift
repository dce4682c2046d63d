import Foundation
import Hummingbird
import HummingbirdTesting
import PerfwatchAlerting
import Synchronization

/// What the Hummingbird receiver got: path and JSON body of every POST.
final class ReceivedRequests: Sendable {
    private let entries = Mutex<[(path: String, body: Data)]>([])
    func record(_ path: String, _ body: Data) { entries.withLock { $0.append((path, body)) } }
    var all: [(path: String, body: Data)] { entries.withLock { $0 } }

    func json(_ index: Int) -> [String: Any]? {
        let list = all
        guard index < list.count else { return nil }
        return try? JSONSerialization.jsonObject(with: list[index].body) as? [String: Any]
    }

    func wait(for count: Int, timeout: Duration = .seconds(5)) async {
        let deadline = ContinuousClock.now + timeout
        while all.count < count && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
    }
}

/// Runs a real Hummingbird server on a free port that accepts POSTs anywhere (an
/// Alertmanager webhook receiver or a Slack incoming-webhook stand-in).
func withReceiver(_ body: @Sendable @escaping (_ baseURL: String, _ received: ReceivedRequests) async throws -> Void) async throws {
    let received = ReceivedRequests()
    let router = Router()
    router.post("**") { request, _ -> Response in
        let buffer = try await request.body.collect(upTo: 1 << 20)
        received.record(request.uri.path, Data(buffer.readableBytesView))
        return Response(status: .ok)
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        try await body("http://127.0.0.1:\(client.port!)", received)
    }
}

/// A fixed firing alert like the default API latency rule produces.
func checkoutAlert(status: AlertStatus = .firing, route: String = "GET /checkout") -> Alert {
    let labels = ["alertname": "ApiLatencyHigh", "service": "shop", "route": route, "severity": "critical"]
    return Alert(
        status: status, fingerprint: AlertFingerprint.of(labels: labels), ruleName: "ApiLatencyHigh", groupName: "api", labels: labels,
        annotations: ["summary": "p95 of \(route) is 2.4 s (threshold 2 s) for 5 min"], startsAt: 1_795_902_123_456,
        endsAt: status == .resolved ? 1_795_902_423_456 : nil, value: 2400, threshold: 2000, generatorURL: "http://pw.test/alerts?rule=ApiLatencyHigh")
}

func notification(_ alerts: [Alert], receiver: String = "pager") -> AlertNotification {
    AlertNotification(
        receiver: receiver, groupKey: "route0:{alertname=\"ApiLatencyHigh\"}", groupLabels: ["alertname": "ApiLatencyHigh"],
        externalURL: "http://pw.test", alerts: alerts, reason: .update)
}
