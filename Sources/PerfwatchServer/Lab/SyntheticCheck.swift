import Foundation
import PerfwatchConfig
import PerfwatchModel

/// One synthetic check (issue 20): what to request, how often, and what counts as up. Read with
/// `ConfigNode` from the server file's `synthetic.checks` and from API bodies, so both refuse the
/// same things with the field named.
struct SyntheticCheck: Sendable, Equatable, Encodable {
    enum Kind: String, Sendable, Encodable { case http, browser }
    /// Where a check was defined: the server's file (read-only through the API) or the API.
    enum Origin: String, Sendable, Encodable { case file, api }

    var name: String
    var type: Kind
    var url: String
    var method: String
    var headers: [String: String]
    var expectStatus: Int
    var bodyContains: String?
    var timeoutMs: Int64
    var intervalMs: Int64
    /// The run duration above which "synthetic check slow" fires; nil: no such alert.
    var thresholdMs: Int64?
    var origin: Origin

    /// `origin` is what the API answers with; posted back, it is ignored.
    static let keys = ["name", "type", "url", "method", "headers", "expect_status", "body_contains", "timeout", "interval", "threshold", "origin"]
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]
    /// Shortest intervals: an HTTP check every second is cheap; a browser check loads a whole page.
    static let minHTTPIntervalMs: Int64 = 1000
    static let minBrowserIntervalMs: Int64 = 60_000

    /// Reads one definition; every refusal names its field (`synthetic.checks[0].interval: …`).
    static func parse(_ node: ConfigNode, origin: Origin) throws(ConfigError) -> SyntheticCheck {
        try node.checkKeys(keys)
        let nameNode = try node.required("name")
        let name = try nameNode.string()
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw nameNode.invalid("a name of 1 to 64 letters, digits, '.', '_' or '-' (it becomes the `check` label), got '\(name)'")
        }
        var type = Kind.http
        if let typeNode = node["type"] {
            guard let parsed = Kind(rawValue: try typeNode.string()) else { throw typeNode.invalid("must be http or browser") }
            type = parsed
        }
        let urlNode = try node.required("url")
        let url = try urlNode.string()
        guard let parts = URLComponents(string: url), ["http", "https"].contains(parts.scheme?.lowercased() ?? ""), !(parts.host ?? "").isEmpty else {
            throw urlNode.invalid("must be an http:// or https:// URL with a host, got '\(url)'")
        }
        var method = "GET"
        if let methodNode = node["method"] {
            method = try methodNode.string().uppercased()
            guard methods.contains(method) else { throw methodNode.invalid("must be one of \(methods.sorted().joined(separator: ", "))") }
        }
        let headers = try node["headers"]?.stringMap() ?? [:]
        var expectStatus = 200
        if let statusNode = node["expect_status"] {
            expectStatus = try statusNode.int()
            guard (100...599).contains(expectStatus) else { throw statusNode.invalid("must be an HTTP status from 100 to 599") }
        }
        let bodyContains = try node["body_contains"]?.string()
        let minInterval = type == .browser ? minBrowserIntervalMs : minHTTPIntervalMs
        var intervalMs: Int64 = type == .browser ? 5 * 60_000 : 30_000
        if let intervalNode = node["interval"] {
            intervalMs = try intervalNode.duration().wholeMilliseconds
            guard intervalMs >= minInterval else {
                throw intervalNode.invalid("must be at least \(DurationText.format(milliseconds: minInterval)) for a \(type.rawValue) check")
            }
        }
        var timeoutMs = min(intervalMs, type == .browser ? 60_000 : 10_000)
        if let timeoutNode = node["timeout"] {
            timeoutMs = try timeoutNode.duration().wholeMilliseconds
            guard timeoutMs > 0, timeoutMs <= intervalMs else { throw timeoutNode.invalid("must be longer than 0 and at most the interval") }
        }
        var thresholdMs: Int64?
        if let thresholdNode = node["threshold"] {
            let ms = try thresholdNode.duration().wholeMilliseconds
            guard ms > 0 else { throw thresholdNode.invalid("must be a duration longer than 0 like 800ms") }
            thresholdMs = ms
        }
        return SyntheticCheck(
            name: name, type: type, url: url, method: method, headers: headers, expectStatus: expectStatus, bodyContains: bodyContains,
            timeoutMs: timeoutMs, intervalMs: intervalMs, thresholdMs: thresholdMs, origin: origin)
    }

    /// Reads the server file's `synthetic:` section; names must be unique.
    static func parseSection(_ section: ConfigNode) throws(ConfigError) -> [SyntheticCheck] {
        try section.checkKeys(["checks"])
        guard let list = section["checks"] else { return [] }
        guard list.isSequence else { throw list.invalid("must be a list of checks") }
        var checks: [SyntheticCheck] = []
        for item in try list.sequence() {
            let check = try parse(item, origin: .file)
            if checks.contains(where: { $0.name == check.name }) {
                throw (item["name"] ?? item).invalid("duplicate check name '\(check.name)'")
            }
            checks.append(check)
        }
        return checks
    }

    enum CodingKeys: String, CodingKey {
        case name, type, url, method, headers, expectStatus = "expect_status", bodyContains = "body_contains", timeout, interval, threshold, origin
    }

    /// The definition as written (durations in the duration grammar), so a stored check parses back the same.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(url, forKey: .url)
        try container.encode(method, forKey: .method)
        try container.encode(headers, forKey: .headers)
        try container.encode(expectStatus, forKey: .expectStatus)
        try container.encodeIfPresent(bodyContains, forKey: .bodyContains)
        try container.encode(DurationText.format(milliseconds: timeoutMs), forKey: .timeout)
        try container.encode(DurationText.format(milliseconds: intervalMs), forKey: .interval)
        try container.encodeIfPresent(thresholdMs.map { DurationText.format(milliseconds: $0) }, forKey: .threshold)
        try container.encode(origin, forKey: .origin)
    }

    /// The stored form (the encoding above; `parse` reads it back).
    var definitionJSON: String { (try? CompactJSONEncoder().encode(self)) ?? "{}" }
}
