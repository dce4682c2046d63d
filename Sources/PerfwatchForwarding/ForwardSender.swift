import Foundation
public import Logging
public import PerfwatchHTTPClient
import PerfwatchModel

/// Sends one destination's spool, oldest record first, until cancelled. A network error, a
/// timeout, a 5xx or a 429 keeps the record and waits (exponential back-off with jitter, or the
/// answer's `Retry-After`); another 4xx drops it (counted, logged once per status); 2xx sends the next.
public struct ForwardSender: Sendable {
    public typealias Transport = @Sendable (OutboundRequest) async throws -> OutboundResponse

    public let destination: ForwardDestination
    public let spool: ForwardSpool
    public let statistics: ForwardingStatistics
    let transport: Transport
    let logger: Logger
    /// How often an empty spool is looked at again.
    let idlePoll: Duration

    public init(
        destination: ForwardDestination, spool: ForwardSpool, statistics: ForwardingStatistics, logger: Logger,
        idlePoll: Duration = .milliseconds(100), transport: @escaping Transport = { try await OutboundHTTP.send($0) }
    ) {
        self.destination = destination
        self.spool = spool
        self.statistics = statistics
        self.logger = logger
        self.idlePoll = idlePoll
        self.transport = transport
    }

    public enum Outcome: Equatable, Sendable {
        case delivered
        case rejected(status: Int)
        case retry(after: Duration?)
    }

    public func run() async {
        var attempt = 0
        var reportedStatuses: Set<Int> = []
        while !Task.isCancelled {
            guard let record = await spool.next() else {
                try? await Task.sleep(for: idlePoll)
                continue
            }
            switch await deliver(record) {
            case .delivered:
                await spool.acknowledge(record)
                statistics.recordSent(record.items)
                if attempt > 0 { logger.info("forwarding resumed", metadata: ["destination": "\(destination.name)"]) }
                attempt = 0
            case .rejected(let status):
                await spool.acknowledge(record)
                statistics.recordDropped(record.items, .rejected)
                if reportedStatuses.insert(status).inserted {
                    logger.error(
                        "destination refused a batch; dropping refused batches (logged once per status)",
                        metadata: ["destination": "\(destination.name)", "status": "\(status)", "items": "\(record.items)"])
                }
                attempt = 0
            case .retry(let after):
                statistics.recordFailure()
                if attempt == 0 { logger.warning("forwarding failed; retrying with back-off", metadata: ["destination": "\(destination.name)"]) }
                let wait = after ?? Self.backoff(attempt: attempt, destination.backoff, random: Double.random(in: 0...1))
                attempt += 1
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// One attempt at sending `record`.
    func deliver(_ record: ForwardSpool.Record) async -> Outcome {
        let request = destination.request(signal: record.signal, body: record.body, timeMs: TimeParsing.nowMs())
        let response: OutboundResponse
        do {
            response = try await transport(request)
        } catch {
            logger.debug("forwarding attempt failed", metadata: ["destination": "\(destination.name)", "error": "\(error)"])
            return .retry(after: nil)
        }
        return Self.outcome(status: response.status, retryAfter: response.header("Retry-After"))
    }

    static func outcome(status: Int, retryAfter: String?) -> Outcome {
        switch status {
        case 200..<300: .delivered
        case 408, 429, 500...: .retry(after: retryAfter.flatMap { parseRetryAfter($0, nowMs: TimeParsing.nowMs()) })
        default: .rejected(status: status)
        }
    }

    /// Doubling from `initial` up to `maximum`, then a random point in its upper half
    /// ("equal jitter": never less than half the delay, so a fleet of servers spreads out).
    static func backoff(attempt: Int, _ backoff: ForwardDestination.Backoff, random: Double) -> Duration {
        let initial = Double(backoff.initial.components.seconds) + Double(backoff.initial.components.attoseconds) / 1e18
        let maximum = Double(backoff.maximum.components.seconds) + Double(backoff.maximum.components.attoseconds) / 1e18
        let delay = min(maximum, initial * pow(2, Double(min(attempt, 40))))
        return .milliseconds(Int64((delay / 2 + delay / 2 * random) * 1000))
    }

    /// `Retry-After` as delay seconds or an HTTP date, capped at ten minutes; nil when unreadable.
    static func parseRetryAfter(_ text: String, nowMs: Int64) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let cap = 600.0
        if let seconds = Double(trimmed), seconds >= 0, seconds.isFinite { return .milliseconds(Int64(min(seconds, cap) * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        let seconds = min(cap, max(0, date.timeIntervalSince1970 - Double(nowMs) / 1000))
        return .milliseconds(Int64(seconds * 1000))
    }
}
