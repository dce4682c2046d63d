import Foundation

/// What the browser tells about one page session while it loads: requests, screenshots, style sheets,
/// the load event, a crash. Events arrive on the pipe's reader thread; the run reads snapshots.
final class RunRecorder: @unchecked Sendable {
    struct Request {
        var id: String
        var url: String
        var resourceType: String
        var startTimestamp: Double
        var wallTime: Double?
        var endTimestamp: Double?
        var encodedBytes: Double = 0
        var status: Int = 0
        var headers: [String: String] = [:]
        var mimeType: String = ""
        var failed: String?
        var finished: Bool { endTimestamp != nil }
    }

    struct Frame {
        var wallSeconds: Double
        var jpegBase64: String
    }

    private let lock = NSLock()
    private let session: String
    private var requestsById: [String: Request] = [:]
    private var order: [String] = []
    private var frames: [Frame] = []
    private var styleSheets: [String: (url: String, length: Double)] = [:]
    private var loaded = false
    private var crashed = false
    private var lastNetworkChange = Date()

    init(session: String) { self.session = session }

    /// Returns the session id of a screencast frame to acknowledge (Chromium sends the next frame only after it).
    func record(_ event: CDPEvent) -> Int? {
        guard event.sessionId == session else { return nil }
        let params = event.params
        return lock.withLock { () -> Int? in
            switch event.method {
            case "Network.requestWillBeSent":
                guard let id = params.string("requestId"), let request = params.object("request") else { return nil }
                if requestsById[id] == nil { order.append(id) }
                // A redirect reuses the id: the row shows the last hop, timed from the first.
                let start = requestsById[id]?.startTimestamp ?? params.double("timestamp") ?? 0
                requestsById[id] = Request(
                    id: id, url: request.string("url") ?? "", resourceType: params.string("type") ?? "Other", startTimestamp: start,
                    wallTime: params.double("wallTime"))
                lastNetworkChange = Date()
            case "Network.responseReceived":
                guard let id = params.string("requestId"), let response = params.object("response") else { return nil }
                requestsById[id]?.status = response.int("status") ?? 0
                requestsById[id]?.mimeType = response.string("mimeType") ?? ""
                var headers: [String: String] = [:]
                for (key, value) in response.object("headers")?.raw ?? [:] { headers[key.lowercased()] = "\(value)" }
                requestsById[id]?.headers = headers
                if let type = params.string("type") { requestsById[id]?.resourceType = type }
            case "Network.loadingFinished":
                guard let id = params.string("requestId") else { return nil }
                requestsById[id]?.endTimestamp = params.double("timestamp")
                requestsById[id]?.encodedBytes = params.double("encodedDataLength") ?? 0
                lastNetworkChange = Date()
            case "Network.loadingFailed":
                guard let id = params.string("requestId") else { return nil }
                requestsById[id]?.endTimestamp = params.double("timestamp")
                requestsById[id]?.failed = params.string("errorText") ?? "failed"
                lastNetworkChange = Date()
            case "Page.loadEventFired":
                // Only the audited navigation's load counts, not a late one of the blank page it starts from.
                if !order.isEmpty { loaded = true }
            case "Inspector.targetCrashed":
                crashed = true
            case "CSS.styleSheetAdded":
                guard let header = params.object("header"), let id = header.string("styleSheetId") else { return nil }
                styleSheets[id] = (header.string("sourceURL") ?? "", header.double("length") ?? 0)
            case "Page.screencastFrame":
                if let data = params.string("data"), let timestamp = params.object("metadata")?.double("timestamp") {
                    frames.append(Frame(wallSeconds: timestamp, jpegBase64: data))
                }
                return params.int("sessionId")
            default:
                break
            }
            return nil
        }
    }

    var isLoaded: Bool { lock.withLock { loaded } }
    var hasCrashed: Bool { lock.withLock { crashed } }

    /// Requests still open (failed and finished ones are closed) and the time since the last one opened or closed.
    var network: (inFlight: Int, quietFor: TimeInterval) {
        lock.withLock { (requestsById.values.filter { !$0.finished }.count, Date().timeIntervalSince(lastNetworkChange)) }
    }

    var requests: [Request] { lock.withLock { order.compactMap { requestsById[$0] } } }
    var screenshots: [Frame] { lock.withLock { frames } }
    var sheets: [String: (url: String, length: Double)] { lock.withLock { styleSheets } }
}
