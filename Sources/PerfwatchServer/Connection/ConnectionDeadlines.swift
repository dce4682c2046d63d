import PerfwatchModel

/// When a connection must be closed for slowness, as a pure value: the handler reports what
/// happened (`ConnectionGuard`), asks for the next deadline and closes when it passes.
///
/// Why each limit: a client that trickles its request head holds a connection and a file
/// descriptor for free (slowloris), so the head has `header` to arrive once its first byte
/// did; a body has `body` in all from its head, so a trickled body is bounded too; a
/// keep-alive connection with nothing in flight is closed after `idle`. While the server
/// works on a request it has read (a slow query, an event stream) no limit applies: that
/// time is ours, not the client's.
struct ConnectionDeadlines: Sendable, Equatable {
    struct Limits: Sendable, Equatable {
        var headerNanos: UInt64
        var bodyNanos: UInt64
        var idleNanos: UInt64
        /// How long a connection being closed keeps reading (and discarding) what the client
        /// still sends, so the client reads our answer instead of a reset.
        var lingerNanos: UInt64

        init(headerNanos: UInt64, bodyNanos: UInt64, idleNanos: UInt64, lingerNanos: UInt64) {
            self.headerNanos = headerNanos
            self.bodyNanos = bodyNanos
            self.idleNanos = idleNanos
            self.lingerNanos = lingerNanos
        }

        /// From configured milliseconds; a limit too long to count in nanoseconds is no limit.
        init(headerMs: Int64, bodyMs: Int64, idleMs: Int64, lingerMs: Int64 = 5_000) {
            func nanos(_ ms: Int64) -> UInt64 { UInt64(Swift.max(0, ms).msToNs) }
            self.init(headerNanos: nanos(headerMs), bodyNanos: nanos(bodyMs), idleNanos: nanos(idleMs), lingerNanos: nanos(lingerMs))
        }
    }

    enum Reason: String, Sendable, Equatable {
        case header, body, idle, linger
    }

    let limits: Limits
    /// A request head was read and its end not yet.
    private(set) var readingBody = false
    /// Request heads read minus responses finished.
    private(set) var unanswered = 0
    private var headStartedAt: UInt64?
    private var bodyStartedAt: UInt64 = 0
    private var idleSince: UInt64
    private var lingerSince: UInt64?

    init(limits: Limits, now: UInt64) {
        self.limits = limits
        idleSince = now
    }

    /// Bytes arrived; `decodedParts` tells whether they completed any part of a request.
    /// Bytes that complete nothing while no body is being read are the start of a head.
    mutating func bytesArrived(now: UInt64, decodedParts: Bool) {
        if !readingBody, !decodedParts, headStartedAt == nil { headStartedAt = now }
    }

    mutating func headReceived(now: UInt64) {
        readingBody = true
        unanswered += 1
        headStartedAt = nil
        bodyStartedAt = now
    }

    mutating func endReceived() {
        readingBody = false
    }

    /// A response head is being written. True when it answers the request whose body is
    /// still arriving (an answer before the whole request was read: 413, 401, overload).
    func answersUnreadBody() -> Bool {
        readingBody && unanswered == 1
    }

    mutating func responseEnded(now: UInt64) {
        unanswered = max(0, unanswered - 1)
        if unanswered == 0 { idleSince = now }
    }

    mutating func startLingering(now: UInt64) {
        if lingerSince == nil { lingerSince = now }
    }

    var isLingering: Bool { lingerSince != nil }

    /// The instant (in the same nanoseconds as `now`) after which the connection is closed,
    /// and why; nil while the server owes an answer to a request it has fully read.
    func deadline() -> (at: UInt64, reason: Reason)? {
        if let lingerSince { return (lingerSince &+ limits.lingerNanos, .linger) }
        if readingBody { return (bodyStartedAt &+ limits.bodyNanos, .body) }
        if let headStartedAt { return (headStartedAt &+ limits.headerNanos, .header) }
        if unanswered > 0 { return nil }
        return (idleSince &+ limits.idleNanos, .idle)
    }

    /// The reason to close now, if a deadline has passed.
    func expired(now: UInt64) -> Reason? {
        guard let deadline = deadline(), now >= deadline.at else { return nil }
        return deadline.reason
    }
}
