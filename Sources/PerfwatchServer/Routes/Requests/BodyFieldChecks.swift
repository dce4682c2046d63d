import Foundation
import PerfwatchModel

/// The checks a decoded request body's fields get beyond their JSON type, each refusal naming
/// the field: text trimmed, required, not empty, at most so long; times resolved against now;
/// positive ids.
struct BodyFieldChecks {
    /// The body's name in messages ("deployment", "optimization").
    let what: String

    /// `value` trimmed, of at most `maxLength` characters; nil when absent (an error when required).
    func text(_ value: String?, _ name: String, required: Bool = false, maxLength: Int = 200) throws -> String? {
        guard let value else {
            if required { throw PerfwatchError(.badRequest, "\(what): '\(name)' is required") }
            return nil
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if required && trimmed.isEmpty { throw PerfwatchError(.badRequest, "\(what): '\(name)' must not be empty") }
        guard trimmed.count <= maxLength else {
            throw PerfwatchError(.badRequest, "\(what): '\(name)' is longer than \(maxLength) characters")
        }
        return trimmed
    }

    /// Unix ms, or text `TimeParsing` reads (RFC 3339, `now`, `-10m`); nil when absent.
    func time(_ value: TimeInput?, _ name: String, nowMs: Int64) throws -> Int64? {
        let expected = "must be unix ms, RFC 3339, 'now' or relative like -10m"
        switch value {
        case nil:
            return nil
        case .unixMs(let ms):
            guard ms.isFinite, ms >= 0, ms < 1e15 else { throw PerfwatchError(.badRequest, "\(what): '\(name)' \(expected); got \(ms)") }
            return Int64(ms)
        case .text(let text):
            guard let ms = TimeParsing.parseTime(text, nowMs: nowMs), ms >= 0 else {
                throw PerfwatchError(.badRequest, "\(what): '\(name)' \(expected); got '\(text)'")
            }
            return ms
        }
    }

    /// A positive id; nil when absent.
    func id(_ value: Int64?, _ name: String) throws -> Int64? {
        guard let value else { return nil }
        guard value > 0 else { throw PerfwatchError(.badRequest, "\(what): '\(name)' must be a positive integer id") }
        return value
    }
}
