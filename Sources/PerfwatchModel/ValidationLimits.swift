/// Limits every ingest protocol enforces per item.
public struct ValidationLimits: Sendable {
    public var maxNameLength = 256
    public var maxTags = 64
    public var maxTagKeyLength = 256
    public var maxTagValueLength = 1024
    /// How far in the future a timestamp may be (clock skew allowance).
    public var maxFutureMs: Int64 = 10 * 60 * 1000
    /// Oldest accepted timestamp, relative to now (the shortest raw retention).
    public var maxAgeMs: Int64 = 2 * 24 * 3600 * 1000

    public init() {}

    /// Returns the reason and message when the measurement breaks a limit, nil when it is fine.
    public func check(
        name: String, tags: [String: String], value: Double, timeMs: Int64, nowMs: Int64
    ) -> (reason: String, message: String)? {
        if name.isEmpty { return ("invalid_name", "name is empty") }
        if name.utf8.count > maxNameLength {
            return ("invalid_name", "name is \(name.utf8.count) bytes, longer than \(maxNameLength)")
        }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "{" || $0 == "}" || $0 == "\"" }) {
            return ("invalid_name", "name contains a control character, brace or quote")
        }
        if tags.count > maxTags { return ("too_many_tags", "\(tags.count) tags, more than \(maxTags)") }
        for (key, tagValue) in tags {
            if key.isEmpty { return ("invalid_tag", "a tag key is empty") }
            if key.utf8.count > maxTagKeyLength {
                return ("invalid_tag", "tag key '\(key.prefix(32))…' is longer than \(maxTagKeyLength) bytes")
            }
            if tagValue.utf8.count > maxTagValueLength {
                return ("invalid_tag", "tag '\(key)' value is \(tagValue.utf8.count) bytes, longer than \(maxTagValueLength)")
            }
        }
        if !value.isFinite { return ("invalid_value", "value is not a finite number (NaN or Infinity)") }
        if timeMs > nowMs + maxFutureMs {
            return ("time_in_future", "time \(timeMs) is more than \(maxFutureMs / 60000) min in the future")
        }
        if timeMs < nowMs - maxAgeMs {
            return ("time_too_old", "time \(timeMs) is older than the retention of \(maxAgeMs / 3_600_000) h")
        }
        return nil
    }
}
