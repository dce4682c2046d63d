import PerfwatchModel
import Testing

/// Times and durations from query parameters never trap (issue 13: `from=1e20`, `to=-1e19`,
/// `to=9.3e18`, `to=9999-12-31T23:59:59Z` each killed the process).
@Suite("Time parsing bounds")
struct TimeParsingBoundsTests {
    let now: Int64 = 1_780_000_000_000

    @Test("huge, tiny and far-future times clamp to what the store can represent",
        arguments: ["1e20", "-1e19", "9.3e18", "9223372036854775807", "-9223372036854775808", "9999-12-31T23:59:59Z",
                    "0001-01-01T00:00:00Z", "1e308", "-1e308"])
    func clamped(text: String) throws {
        let ms = try #require(TimeParsing.parseTime(text, nowMs: now))
        #expect(TimeParsing.representableMs.contains(ms))
        // Their nanoseconds fit an Int64 (spans are stored in ns).
        #expect(ms.msToNs != .max && ms.msToNs != .min)
    }

    @Test("ordinary times are unchanged")
    func ordinary() {
        #expect(TimeParsing.parseTime("1700000000000", nowMs: now) == 1_700_000_000_000)
        #expect(TimeParsing.parseTime("2026-11-30T12:00:00Z", nowMs: now) == 1_796_040_000_000)
        #expect(TimeParsing.parseTime("-1h", nowMs: now) == now - 3_600_000)
        #expect(TimeParsing.parseTime("+2h", nowMs: now) == now + 7_200_000)
        #expect(TimeParsing.parseTime("nan", nowMs: now) == nil)
    }

    @Test("relative times that overflow clamp, not trap (the grammar itself: PerfwatchModelTests)",
        arguments: ["-9223372036854775807ms1ms", "-99999999999999999w", "-106751991167d1d", "+99999999999999999w"])
    func overflowingRelativeTimes(text: String) throws {
        let ms = try #require(TimeParsing.parseTime(text, nowMs: now))
        #expect(ms == (text.hasPrefix("+") ? TimeParsing.representableMs.upperBound : TimeParsing.representableMs.lowerBound))
    }

    @Test("a signed number is unix ms, not a duration")
    func signedNumbers() {
        #expect(TimeParsing.parseTime("-0", nowMs: now) == 0)
        #expect(TimeParsing.parseTime("-1000", nowMs: now) == -1000)
        #expect(TimeParsing.parseTime("-1.5h", nowMs: now) == now - 5_400_000)
    }

    @Test("a relative time past the representable range clamps")
    func hugeRelative() throws {
        let ms = try #require(TimeParsing.parseTime("-9223372036854775807ms", nowMs: now))
        #expect(ms == TimeParsing.representableMs.lowerBound)
    }

    @Test("saturating conversions")
    func saturating() {
        #expect(Int64(saturating: 1e20) == .max)
        #expect(Int64(saturating: -1e20) == .min)
        #expect(Int64(saturating: .infinity) == .max)
        #expect(Int64(saturating: .nan) == nil)
        #expect(Int64(saturating: 12.9) == 12)
        #expect(Int64.max.saturatingAdding(1) == .max)
        #expect(Int64.min.saturatingSubtracting(1) == .min)
        #expect(Int64(-5).saturatingMultiplied(by: .max) == .min)
    }
}
