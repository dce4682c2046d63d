import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The DevTools protocol over Chromium's debugging pipe: NUL-terminated JSON messages, commands matched to
/// answers by id, events handed to `onEvent`. A reader thread blocks on the pipe; when the browser exits or
/// crashes the pipe closes, every waiting command fails with `LabError.browser` and `closedReason` is set,
/// so the caller knows to start a new browser.
final class DevToolsPipe: @unchecked Sendable {
    private let process: ChromiumProcess
    private let lock = NSLock()
    private var nextId = 1
    private var pending: [Int: CheckedContinuation<CDPObject, any Error>] = [:]
    private var handler: (@Sendable (CDPEvent) -> Void)?
    private var closed: String?

    init(process: ChromiumProcess) {
        self.process = process
        let thread = Thread { [self] in readLoop() }
        thread.name = "devtools-pipe"
        thread.start()
    }

    /// Why the pipe closed (the browser exited), nil while it is open.
    var closedReason: String? { lock.withLock { closed } }

    /// Receives every event; set before the commands whose events matter.
    func onEvent(_ handler: (@Sendable (CDPEvent) -> Void)?) { lock.withLock { self.handler = handler } }

    /// Sends one command and waits for its answer's `result`, at most `timeout`.
    func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: Duration = .seconds(30)) async throws -> CDPObject {
        var message: [String: Any] = ["method": method, "params": params]
        if let session { message["sessionId"] = session }
        let id: Int = try lock.withLock {
            if let closed { throw LabError.browser(closed) }
            defer { nextId += 1 }
            return nextId
        }
        message["id"] = id
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        let answer: CDPObject = try await withCheckedThrowingContinuation { continuation in
            lock.withLock { pending[id] = continuation }
            let written = data.withUnsafeBytes { buffer in writeAll(buffer) }
            if !written { finish(id, with: .failure(LabError.browser("cannot write to the browser: it has exited"))) }
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                finish(id, with: .failure(LabError.timeout("\(method) got no answer in \(Int(seconds)) s")))
            }
        }
        if let error = answer.object("error") {
            throw LabError.protocolError("\(method): \(error.string("message") ?? "error") \(error.string("data") ?? "")")
        }
        return answer.object("result") ?? CDPObject([:])
    }

    private func finish(_ id: Int, with result: Result<CDPObject, any Error>) {
        let continuation = lock.withLock { pending.removeValue(forKey: id) }
        continuation?.resume(with: result)
    }

    private func writeAll(_ buffer: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let count = write(process.commandFD, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return false }
            offset += count
        }
        return true
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var message = Data()
        while true {
            let count = read(process.eventFD, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            var start = 0
            for index in 0..<count where buffer[index] == 0 {
                message.append(contentsOf: buffer[start..<index])
                dispatch(message)
                message.removeAll(keepingCapacity: true)
                start = index + 1
            }
            if start < count { message.append(contentsOf: buffer[start..<count]) }
        }
        let waiting = lock.withLock {
            closed = "the browser exited or crashed"
            defer { pending.removeAll() }
            return pending
        }
        for continuation in waiting.values { continuation.resume(throwing: LabError.browser("the browser exited or crashed")) }
    }

    private func dispatch(_ data: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        let message = CDPObject(object)
        if let id = message.int("id") {
            finish(id, with: .success(message))
        } else if let method = message.string("method") {
            let event = CDPEvent(method: method, params: message.object("params") ?? CDPObject([:]), sessionId: message.string("sessionId"))
            let handler = lock.withLock { self.handler }
            handler?(event)
        }
    }
}
