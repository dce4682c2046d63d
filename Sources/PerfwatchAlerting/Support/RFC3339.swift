import PerfwatchModel

/// Formats unix milliseconds as RFC 3339 UTC (`2026-11-22T21:40:00.123Z`), the time
/// format of Alertmanager payloads. Hand-written (`UTCDateTime`): it is called per alert per
/// message and must be `Sendable` without locks.
public enum RFC3339 {
    public static func format(ms: Int64) -> String { UTCDateTime(ms: ms).rfc3339 }

    /// Alertmanager's "not ended" time for firing alerts.
    public static let zeroTime = "0001-01-01T00:00:00Z"
}
