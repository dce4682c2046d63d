import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization

/// What the in-process test server saw, for assertions on substitution and pushes.
final class ServerLog: Sendable {
    private let entries = Mutex<[String]>([])
    private let bodies = Mutex<[String]>([])

    func record(_ entry: String) { entries.withLock { $0.append(entry) } }
    func recordBody(_ body: String) { bodies.withLock { $0.append(body) } }
    var all: [String] { entries.withLock { $0 } }
    var allBodies: [String] { bodies.withLock { $0 } }
}

/// Stalls every request that arrives in [2 s, 3 s) of each 5 s cycle (counted from the
/// first request) until the window ends: a server that hangs for 1 s once every 5 s.
final class StallSchedule: Sendable {
    private let first = Mutex<ContinuousClock.Instant?>(nil)

    func delay() -> Duration {
        let now = ContinuousClock.now
        let start = first.withLock { value in
            if value == nil { value = now }
            return value!
        }
        let elapsed = (now - start).components
        let inCycle = Double(elapsed.seconds % 5) + Double(elapsed.attoseconds) / 1e18
        return (2..<3).contains(inCycle) ? .milliseconds(Int64((3 - inCycle) * 1000)) : .zero
    }
}

/// Starts a Hummingbird app on a free local port with the routes the tests need:
/// `/delay/:ms`, `/stall`, `/status/:code`, `POST /login`, `/items/:id`, `POST /api/v1/load-runs`.
func withTestServer(
    rejectPushes: Bool = false, _ body: @Sendable @escaping (_ port: Int, _ log: ServerLog) async throws -> Void
) async throws {
    let log = ServerLog()
    let stall = StallSchedule()
    let router = Router()
    router.get("/delay/:ms") { _, context -> String in
        let ms = try context.parameters.require("ms", as: Int.self)
        if ms > 0 { try await Task.sleep(for: .milliseconds(ms)) }
        return "ok"
    }
    router.get("/stall") { _, _ -> String in
        let delay = stall.delay()
        if delay > .zero { try await Task.sleep(for: delay) }
        return "ok"
    }
    router.get("/status/:code") { _, context -> Response in
        Response(status: .init(code: try context.parameters.require("code", as: Int.self)))
    }
    router.post("/login") { request, _ -> Response in
        let data = try await request.body.collect(upTo: 1 << 16)
        let text = String(buffer: data)
        log.recordBody(text)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let user = object?["user"] as? String ?? "?"
        let json = #"{"token":"tok-\#(user)","user":{"id":\#(user.count * 10 + 2)}}"#
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
    router.get("/items/:id") { request, context -> String in
        let id = try context.parameters.require("id")
        let color = request.uri.queryParameters.get("v") ?? ""
        log.record("\(id) \(color) \(request.headers[.authorization] ?? "")")
        return "{}"
    }
    router.post("/api/v1/load-runs") { request, _ -> Response in
        let data = try await request.body.collect(upTo: 1 << 24)
        log.recordBody(String(buffer: data))
        log.record(request.headers[.authorization] ?? "")
        if rejectPushes { return Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: "bad key"))) }
        return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"id":"run-1"}"#)))
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        try await body(client.port!, log)
    }
}
