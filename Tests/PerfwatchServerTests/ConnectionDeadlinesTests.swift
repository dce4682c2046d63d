import Testing

@testable import PerfwatchServer

@Suite("Connection deadlines: header, body, idle and linger limits")
struct ConnectionDeadlinesTests {
    static let second: UInt64 = 1_000_000_000
    static let limits = ConnectionDeadlines.Limits(headerMs: 10_000, bodyMs: 30_000, idleMs: 60_000, lingerMs: 5_000)

    @Test("an idle connection is closed after the idle limit, counted from its last answer")
    func idle() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, now: 0)
        #expect(deadlines.expired(now: 59 * Self.second) == nil)
        #expect(deadlines.expired(now: 60 * Self.second) == .idle)
        deadlines.headReceived(now: 50 * Self.second)
        deadlines.endReceived()
        deadlines.responseEnded(now: 55 * Self.second)
        #expect(deadlines.expired(now: 100 * Self.second) == nil)
        #expect(deadlines.expired(now: 115 * Self.second) == .idle)
    }

    @Test("a trickled head is closed after the header limit from its first byte, not the idle one")
    func trickledHead() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, now: 0)
        deadlines.bytesArrived(now: 1 * Self.second, decodedParts: false)
        // More bytes keep arriving: the limit still counts from the first.
        deadlines.bytesArrived(now: 9 * Self.second, decodedParts: false)
        #expect(deadlines.expired(now: 10 * Self.second) == nil)
        #expect(deadlines.expired(now: 11 * Self.second) == .header)
    }

    @Test("a body has the body limit in all from its head; a complete head clears the header limit")
    func body() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, now: 0)
        deadlines.bytesArrived(now: 0, decodedParts: false)
        deadlines.headReceived(now: 5 * Self.second)
        deadlines.bytesArrived(now: 20 * Self.second, decodedParts: false)
        #expect(deadlines.expired(now: 34 * Self.second) == nil)
        #expect(deadlines.expired(now: 35 * Self.second) == .body)
    }

    @Test("while the server works on a request it has read, no limit applies")
    func serverTime() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, now: 0)
        deadlines.headReceived(now: 0)
        deadlines.endReceived()
        #expect(deadlines.deadline() == nil)
        #expect(deadlines.expired(now: 1_000 * Self.second) == nil)
        deadlines.responseEnded(now: 1_000 * Self.second)
        #expect(deadlines.expired(now: 1_060 * Self.second) == .idle)
    }

    @Test("an answer written while the body still arrives is told apart from a normal one")
    func earlyAnswer() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, now: 0)
        deadlines.headReceived(now: 0)
        #expect(deadlines.answersUnreadBody())
        deadlines.endReceived()
        #expect(!deadlines.answersUnreadBody())
        // Pipelined: the answer to the first request while the second's body arrives.
        deadlines.headReceived(now: 0)
        #expect(!deadlines.answersUnreadBody())
    }

    @Test("a lingering connection closes after the linger time whatever else is going on")
    func linger() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, now: 0)
        deadlines.headReceived(now: 0)
        deadlines.startLingering(now: 2 * Self.second)
        #expect(deadlines.isLingering)
        #expect(deadlines.expired(now: 6 * Self.second) == nil)
        #expect(deadlines.expired(now: 7 * Self.second) == .linger)
    }

    @Test("limits too long to count in nanoseconds do not overflow")
    func hugeLimits() {
        let limits = ConnectionDeadlines.Limits(headerMs: .max, bodyMs: .max, idleMs: .max)
        let deadlines = ConnectionDeadlines(limits: limits, now: 1_000)
        #expect(deadlines.expired(now: UInt64.max / 4) == nil)
    }

    @Test("the default connection cap leaves room below the open-file limit")
    func defaultCap() {
        #expect(ConnectionLimiter.defaultMaximum(openFileLimit: 1024) == 768)
        #expect(ConnectionLimiter.defaultMaximum(openFileLimit: 1_048_576) == 10_000)
        #expect(ConnectionLimiter.defaultMaximum(openFileLimit: 100) == 1)
    }

    @Test("connections past the cap are refused, far past it dropped, and counted until they close")
    func limiter() {
        let limiter = ConnectionLimiter(maximum: 2)
        #expect(limiter.admit() == .serve)
        #expect(limiter.admit() == .serve)
        #expect(limiter.admit() == .refuse)
        limiter.release()
        limiter.release()
        #expect(limiter.admit() == .serve)
        for _ in 0..<128 { _ = limiter.admit() }
        #expect(limiter.admit() == .drop)
    }

    @Test("the http section sets the limits; bad values name the field")
    func configuration() throws {
        var configuration = ServerConfiguration()
        #expect(configuration.http.headerTimeoutMs == 10_000)
        #expect(configuration.http.bodyTimeoutMs == 30_000)
        #expect(configuration.http.idleTimeoutMs == 60_000)
        try configuration.apply(yaml: "http: {header_timeout: 2s, body_timeout: 1m, idle_timeout: 500ms, max_connections: 300}")
        #expect(configuration.http.headerTimeoutMs == 2_000)
        #expect(configuration.http.bodyTimeoutMs == 60_000)
        #expect(configuration.http.idleTimeoutMs == 500)
        #expect(configuration.http.maxConnections == 300)
        try configuration.validate()
        for bad in ["http: {header_timeout: soon}", "http: {max_connections: many}", "http: {read_timeout: 1s}"] {
            var copy = ServerConfiguration()
            do {
                try copy.apply(yaml: bad)
                Issue.record("\(bad) was accepted")
            } catch let error as ConfigurationError {
                #expect(error.description.contains("http."))
            }
        }
        configuration.http.maxConnections = 0
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
    }
}
