import Foundation
import PerfwatchModel

/// The fields of a small JSON object body (deployments, optimizations), each read with an
/// error that names the field and what was expected.
struct BodyFields {
    let object: [String: Any]
    let what: String

    init(_ body: [UInt8], what: String) throws {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(body)), let object = parsed as? [String: Any] else {
            throw PerfwatchError(.badRequest, "\(what): body must be a JSON object")
        }
        self.object = object
        self.what = what
    }

    /// A non-empty string of at most `maxLength` characters; nil when absent and optional.
    func string(_ name: String, required: Bool = false, maxLength: Int = 200) throws -> String? {
        guard let value = object[name], !(value is NSNull) else {
            if required { throw PerfwatchError(.badRequest, "\(what): '\(name)' is required") }
            return nil
        }
        guard let text = value as? String else { throw PerfwatchError(.badRequest, "\(what): '\(name)' must be a string") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if required && trimmed.isEmpty { throw PerfwatchError(.badRequest, "\(what): '\(name)' must not be empty") }
        guard trimmed.count <= maxLength else {
            throw PerfwatchError(.badRequest, "\(what): '\(name)' is longer than \(maxLength) characters")
        }
        return trimmed
    }

    /// Unix ms (a number) or a string `TimeParsing` reads (RFC 3339, `now`, `-10m`); nil when absent.
    func time(_ name: String, nowMs: Int64) throws -> Int64? {
        guard let value = object[name], !(value is NSNull) else { return nil }
        if type(of: value) != Bool.self, let number = value as? NSNumber {
            let ms = number.doubleValue
            guard ms.isFinite, ms >= 0, ms < 1e15 else { throw PerfwatchError(.badRequest, "\(what): '\(name)' \(number) is not a unix ms time") }
            return Int64(ms)
        }
        guard let text = value as? String, let ms = TimeParsing.parseTime(text, nowMs: nowMs), ms >= 0 else {
            throw PerfwatchError(.badRequest, "\(what): '\(name)' must be unix ms, RFC 3339, 'now' or relative like -10m; got \(value)")
        }
        return ms
    }

    /// A positive integer id; nil when absent.
    func id(_ name: String) throws -> Int64? {
        guard let value = object[name], !(value is NSNull) else { return nil }
        guard type(of: value) != Bool.self, let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded(),
            number.int64Value > 0
        else { throw PerfwatchError(.badRequest, "\(what): '\(name)' must be a positive integer id") }
        return number.int64Value
    }

    /// Fails on fields the endpoint does not know, so a typo is not silently ignored.
    func rejectUnknown(allowed: [String]) throws {
        let unknown = object.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw PerfwatchError(.badRequest, "\(what): unknown field '\(unknown[0])'; valid fields: \(allowed.joined(separator: ", "))")
        }
    }
}
