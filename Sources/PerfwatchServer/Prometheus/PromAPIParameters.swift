import Foundation
import PerfwatchPromQL

/// The parameters of one Prometheus API request: the URL's query string and, for a POST, the
/// `application/x-www-form-urlencoded` body (Grafana's default), body first as Go's `ParseForm` has them.
/// Repeated names (`match[]`) keep every value.
struct PromAPIParameters: Sendable {
    private(set) var pairs: [(name: String, value: String)] = []

    init(pairs: [(name: String, value: String)]) { self.pairs = pairs }

    /// `a=1&b=%20x&match[]=up`: `+` is a space, percent escapes decoded; a malformed escape keeps its text.
    static func parseForm(_ text: Substring) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { field in
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    func first(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    func has(_ name: String) -> Bool { pairs.contains { $0.name == name } }

    // MARK: Prometheus' value syntax

    /// `time`, `start`, `end`: unix seconds with a fraction (`1700000000.25`) or RFC 3339 (`2024-01-02T03:04:05.5Z`),
    /// in milliseconds. Missing: `fallback`.
    func time(_ name: String, fallback: Int64) throws(PromAPIError) -> Int64 {
        guard let text = first(name), !text.isEmpty else { return fallback }
        guard let ms = Self.parseTime(text) else {
            throw PromAPIError.badData("invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid timestamp")
        }
        return ms
    }

    /// Prometheus' own bounds for "no start" and "no end", which clients echo back (`minTime`/`maxTime`).
    static let minTimeMs: Int64 = -9_223_309_901_257_974
    static let maxTimeMs: Int64 = 9_223_309_901_257_974

    static func parseTime(_ text: String) -> Int64? {
        if let seconds = Double(text), seconds.isFinite {
            let ms = (seconds * 1000).rounded()
            guard ms > Double(minTimeMs), ms < Double(maxTimeMs) else { return ms <= Double(minTimeMs) ? minTimeMs : maxTimeMs }
            return Int64(ms)
        }
        if text == "-292273086-05-16T16:47:06Z" { return minTimeMs }
        if text == "292277025-08-18T07:12:54.999999999Z" { return maxTimeMs }
        for formatter in rfc3339 {
            if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        }
        return nil
    }

    private nonisolated(unsafe) static let rfc3339: [ISO8601DateFormatter] = {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let whole = ISO8601DateFormatter()
        whole.formatOptions = [.withInternetDateTime]
        return [whole, fractional]
    }()

    /// `step`, `timeout`: seconds with a fraction (`15`, `0.5`) or a Prometheus duration (`15s`, `1m30s`), in ms.
    func duration(_ name: String) throws(PromAPIError) -> Int64? {
        guard let text = first(name), !text.isEmpty else { return nil }
        if let seconds = Double(text), seconds.isFinite {
            let ms = (seconds * 1000).rounded()
            guard abs(ms) < 9e15 else {
                throw PromAPIError.badData("invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid duration. It overflows int64")
            }
            return Int64(ms)
        }
        guard let ms = DurationSyntax.parse(text) else {
            throw PromAPIError.badData("invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid duration")
        }
        return ms
    }
}
