import Foundation
import HTTPTypes
import PerfwatchIngest
import PerfwatchModel

/// Everything the server decides about one beacon, apart from moving bytes: both beacon paths
/// (`BeaconFastPath` on the event loop, and the `POST /api/v1/rum` route behind it) call this,
/// so they refuse, store and answer alike.
struct BeaconIntake: Sendable {
    static let maxBodyBytes = 64 * 1024

    let keys: RUMKeys
    let limiter: ClientRateLimiter
    let statistics: IngestStatistics

    /// A beacon ready to submit, and what to answer once it is committed.
    struct Accepted {
        let payload: IngestPayload
        let answer: BeaconAnswer
        /// The answer's text, for `BeaconFastPath`, which writes its own responses.
        let responseJSON: String
        let origin: String?
    }

    /// Checks made before the body is read: the client's rate and the media type.
    func admit(client: String, contentType: String?) throws {
        guard limiter.allow(client) else {
            statistics.recordRejections(["rum_rate_limited"])
            throw PerfwatchError(.tooManyRequests, "too many beacons from \(client); slow down")
        }
        let type = contentType?.lowercased() ?? "text/plain"
        guard type.hasPrefix("text/plain") || type.hasPrefix("application/json") else {
            throw PerfwatchError(.unsupportedMediaType, "beacons are text/plain or application/json JSON, not '\(type)'")
        }
    }

    /// Parses, authorizes and derives one beacon body (already decoded, see `RequestBodyDecoding`).
    func accept(body: [UInt8], origin: String?, userAgent: String?) throws -> Accepted {
        let beacon = try RUMBeaconParser.parse(body)
        guard let key = keys.key(beacon.key) else {
            throw PerfwatchError(.forbidden, "unknown browser key '\(beacon.key.prefix(40))'")
        }
        guard key.allows(origin: origin) else {
            throw PerfwatchError(.forbidden, "origin '\(origin ?? "(none)")' is not allowed for this browser key")
        }
        if !beacon.dropped.isEmpty { statistics.recordRejections(beacon.dropped.map { "rum_out_of_range_\($0)" }) }
        let derived = RUMDerivations.derive(
            beacon, userAgent: userAgent, receivedMs: TimeParsing.nowMs(), rawJSON: String(decoding: body, as: UTF8.self))
        let answer = BeaconAnswer(dropped: beacon.dropped)
        // The beacon's metrics may be held back a few seconds (journaled, so durable); queries
        // flush them first, so an accepted beacon is visible at once.
        return Accepted(
            payload: IngestPayload(rum: derived.records, journaledDerived: derived.points), answer: answer,
            responseJSON: try CompactJSONEncoder().encode(answer), origin: origin)
    }

    /// CORS fields of an answer to `origin`. sendBeacon sends credentials, so `*` would not do:
    /// the allowed origin is echoed.
    static func cors(origin: String) -> HTTPFields {
        [.accessControlAllowOrigin: origin, .accessControlAllowCredentials: "true", .vary: "Origin"]
    }
}

/// The 202 answer to a beacon: accepted, with the fields dropped as out of range.
struct BeaconAnswer: Encodable {
    var accepted = true
    let dropped: [String]
}
