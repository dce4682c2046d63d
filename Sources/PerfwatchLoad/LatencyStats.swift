public import Histogram

/// Error classes a request can end in; each is counted separately in reports.
public enum RequestErrorKind: Int, Sendable, CaseIterable, Codable {
    /// The connection could not be opened (refused, connect timeout).
    case connect
    /// No complete response within `config.timeout`.
    case timeout
    /// A status ≥ 400 on a request without `expect`.
    case status
    /// The status was not one listed in `expect.status`, or a capture found nothing.
    case expectation
    /// The connection broke while the request was in flight.
    case network

    public var name: String { String(describing: self) }
}

/// Latency histograms in microseconds, range 1 µs – 1 h at 3 significant digits.
public typealias LatencyHistogram = Histogram<UInt64>

extension Histogram where Count == UInt64 {
    static let highestMicros: UInt64 = 3_600_000_000

    static func latency(digits: SignificantDigits = .three) -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: highestMicros, numberOfSignificantValueDigits: digits)
    }

    /// Records, clamping to the trackable range instead of dropping the value.
    mutating func recordClamped(_ micros: UInt64) {
        _ = record(Swift.min(Swift.max(micros, 1), Self.highestMicros))
    }
}

/// Counts and latencies of one request name.
public struct RequestStats: Sendable {
    public var name: String
    /// Latency from the intended start (arrival schedule), corrected for coordinated omission.
    public var corrected: LatencyHistogram = .latency()
    /// Latency from the moment the request was written to the socket.
    public var uncorrected: LatencyHistogram = .latency()
    /// Requests attempted, including failed ones.
    public var count = 0
    public var errors = [Int](repeating: 0, count: RequestErrorKind.allCases.count)

    public init(name: String) { self.name = name }

    public var errorCount: Int { errors.reduce(0, +) }

    public func errors(_ kind: RequestErrorKind) -> Int { errors[kind.rawValue] }

    mutating func merge(_ other: RequestStats) {
        corrected.add(other.corrected)
        uncorrected.add(other.uncorrected)
        count += other.count
        for index in errors.indices { errors[index] += other.errors[index] }
    }
}

/// What happened during one reporting interval (one second), for the series and the live line.
struct IntervalStats: Sendable {
    var requests = 0
    var errors = 0
    var corrected: LatencyHistogram = .latency(digits: .two)

    mutating func merge(_ other: IntervalStats) {
        requests += other.requests
        errors += other.errors
        corrected.add(other.corrected)
    }
}
