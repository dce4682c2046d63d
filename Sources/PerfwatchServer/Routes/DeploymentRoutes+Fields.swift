import Foundation
import PerfwatchIngest
import PerfwatchModel

/// The fields of a small JSON object body (deployments, optimizations), each read with an
/// error that names the field and what was expected. Parsed with `JSONReader`, which keeps
/// booleans and numbers apart (Foundation's parser hands both back as NSNumber on Linux).
struct BodyFields {
    let members: [String: JSONValue]
    let what: String

    init(_ body: [UInt8], what: String) throws {
        guard let parsed = try? JSONReader.parse(body), let members = parsed.objectMembers else {
            throw PerfwatchError(.badRequest, "\(what): body must be a JSON object")
        }
        self.members = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        self.what = what
    }

    func present(_ name: String) -> JSONValue? {
        guard let value = members[name], value != .null else { return nil }
        return value
    }

    /// A string of at most `maxLength` characters, trimmed; nil when absent (an error when required).
    func string(_ name: String, required: Bool = false, maxLength: Int = 200) throws -> String? {
        guard let value = present(name) else {
            if required { throw PerfwatchError(.badRequest, "\(what): '\(name)' is required") }
            return nil
        }
        guard let text = value.stringValue else {
            throw PerfwatchError(.badRequest, "\(what): '\(name)' must be a string, not \(value.typeName)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if required && trimmed.isEmpty { throw PerfwatchError(.badRequest, "\(what): '\(name)' must not be empty") }
        guard trimmed.count <= maxLength else {
            throw PerfwatchError(.badRequest, "\(what): '\(name)' is longer than \(maxLength) characters")
        }
        return trimmed
    }

    /// Unix ms (a number) or a string `TimeParsing` reads (RFC 3339, `now`, `-10m`); nil when absent.
    func time(_ name: String, nowMs: Int64) throws -> Int64? {
        guard let value = present(name) else { return nil }
        let expected = "must be unix ms, RFC 3339, 'now' or relative like -10m"
        switch value {
        case .number(let ms, _):
            guard ms.isFinite, ms >= 0, ms < 1e15 else { throw PerfwatchError(.badRequest, "\(what): '\(name)' \(expected); got \(ms)") }
            return Int64(ms)
        case .string(let text):
            guard let ms = TimeParsing.parseTime(text, nowMs: nowMs), ms >= 0 else {
                throw PerfwatchError(.badRequest, "\(what): '\(name)' \(expected); got '\(text)'")
            }
            return ms
        default:
            throw PerfwatchError(.badRequest, "\(what): '\(name)' \(expected), not \(value.typeName)")
        }
    }

    /// A positive integer id; nil when absent.
    func id(_ name: String) throws -> Int64? {
        guard let value = present(name) else { return nil }
        guard case .number(_, let integer?) = value, integer > 0 else {
            throw PerfwatchError(.badRequest, "\(what): '\(name)' must be a positive integer id")
        }
        return integer
    }

    /// Fails on fields the endpoint does not know, so a typo is not silently ignored.
    func rejectUnknown(allowed: [String]) throws {
        let unknown = members.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw PerfwatchError(.badRequest, "\(what): unknown field '\(unknown[0])'; valid fields: \(allowed.joined(separator: ", "))")
        }
    }
}
