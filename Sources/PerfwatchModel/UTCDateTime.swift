/// Unix milliseconds as UTC calendar fields, without a formatter (formatters are not `Sendable`
/// and are slow): Alertmanager payload times, CloudWatch timestamps, Signature V4 dates.
public struct UTCDateTime: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int

    public init(ms: Int64) {
        let quotient = ms >= 0 ? ms / 86_400_000 : (ms - 86_400_000 + 1) / 86_400_000
        let days = Int(quotient)
        let msOfDay = Int(ms - quotient * 86_400_000)
        // Civil-from-days (H. Hinnant), valid for the whole proleptic Gregorian calendar.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        hour = msOfDay / 3_600_000
        minute = msOfDay / 60_000 % 60
        second = msOfDay / 1000 % 60
        millisecond = msOfDay % 1000
    }

    /// RFC 3339 with milliseconds: `2026-11-22T21:40:00.123Z`.
    public var rfc3339: String {
        "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))T\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)).\(Self.pad(millisecond, 3))Z"
    }

    /// ISO 8601 basic format to the second: `20261122T214000Z` (Signature V4's `X-Amz-Date`).
    public var basic: String {
        "\(Self.pad(year, 4))\(Self.pad(month, 2))\(Self.pad(day, 2))T\(Self.pad(hour, 2))\(Self.pad(minute, 2))\(Self.pad(second, 2))Z"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
