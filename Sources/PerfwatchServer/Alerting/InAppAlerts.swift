import Foundation
import PerfwatchAlerting
import PerfwatchModel

/// In-app notifications: the newest ones for the dashboard, and live pushes of them and of
/// every alert state change to `GET /api/v1/alerts/stream` subscribers.
actor InAppAlerts: InAppAlertSink {
    struct Entry: Sendable {
        var atMs: Int64
        var notification: AlertNotification
    }

    /// One server-sent event, already named and encoded.
    struct Event: Sendable, Equatable {
        var name: String
        var json: String
    }

    private(set) var entries: [Entry] = []
    private var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
    private var nextSubscriber = 0
    private var finished = false
    /// Events a slow client may lag behind before the oldest are dropped (it re-reads the API).
    static let bufferPerSubscriber = 256

    func publish(_ notification: AlertNotification) async throws {
        let entry = Entry(atMs: TimeParsing.nowMs(), notification: notification)
        entries.append(entry)
        if entries.count > 200 { entries.removeFirst(entries.count - 200) }
        struct Payload: Encodable {
            var at: Int64
            var notification: AlertNotification
        }
        broadcast(Event(name: "notification", json: (try? CompactJSONEncoder().encode(Payload(at: entry.atMs, notification: notification))) ?? "{}"))
    }

    /// Alert transitions (pending, firing, resolved, cancelled, acknowledged).
    func stateChanged(_ events: [AlertHistoryEvent]) {
        guard !subscribers.isEmpty else { return }
        for event in events {
            broadcast(Event(name: "state", json: (try? CompactJSONEncoder().encode(event)) ?? "{}"))
        }
    }

    /// A stream of events from now on; it ends when the server shuts down.
    func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(Self.bufferPerSubscriber))
        if finished {
            continuation.finish()
            return stream
        }
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    var subscriberCount: Int { subscribers.count }

    private func unsubscribe(_ id: Int) {
        subscribers[id] = nil
    }

    private func broadcast(_ event: Event) {
        for continuation in subscribers.values { continuation.yield(event) }
    }

    /// Ends every stream (graceful shutdown), so open responses don't hold the server open.
    func finishAll() {
        finished = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }
}
