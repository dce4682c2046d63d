import PerfwatchModel
import Testing

/// The one duration grammar (docs/configuration.md#durations): every form it reads and every form it refuses.
@Suite("Duration grammar")
struct DurationTextTests {
    @Test("accepted", arguments: [
        ("0", Duration.zero), ("0s", .zero), ("250us", .microseconds(250)), ("250ms", .milliseconds(250)),
        ("30s", .seconds(30)), ("1.5s", .milliseconds(1500)), (".5s", .milliseconds(500)), ("2.25m", .seconds(135)),
        ("5m", .seconds(300)), ("1h", .seconds(3600)), ("1h30m", .seconds(5400)), ("1d", .seconds(86_400)),
        ("2w", .seconds(1_209_600)), ("1h30m15s500ms", .milliseconds(5_415_500)), (" 10s ", .seconds(10)),
        ("400d", .seconds(34_560_000)), ("106751d", .seconds(9_223_286_400)),
    ] as [(String, Duration)])
    func accepted(text: String, expected: Duration) throws {
        #expect(try DurationText.parse(text) == expected)
    }

    @Test("not the grammar", arguments: [
        "", "soon", "5 min", "5 minutes", "-1s", "-1h", "1e3s", "9e400s", "300y", "1x", "1h30", "1..5s", ".s", "s",
        "1H", "inf", "nan", "1h 30m", "+5m", "1,5s",
    ])
    func malformed(text: String) {
        #expect(throws: DurationText.Problem.self) { try DurationText.parse(text) }
        #expect(kind(text) == .malformed)
    }

    @Test("too long for an Int64 of nanoseconds: refused, not trapped on", arguments: [
        "9223372036854775807ms1ms", "99999999999999999w", "106751d106751d", "106752d", "1234567890123456789012345678901m",
        "200000000000000000000h", "9223372036854775807ms",
    ])
    func tooLarge(text: String) {
        #expect(kind(text) == .tooLarge)
    }

    @Test("a bare number: refused with what to write, or seconds where that was documented")
    func bareNumbers() throws {
        #expect(kind("5") == .noUnit)
        #expect(kind("1.5") == .noUnit)
        do {
            _ = try DurationText.parse("5")
        } catch {
            #expect(error.message == #""5" has no unit; write 5s for seconds, 5m for minutes or 5ms for milliseconds"#)
            #expect(error.explaining("for: expected a duration") == "for: expected a duration (\(error.message))")
        }
        #expect(try DurationText.parse("5", bareNumbers: .seconds) == .seconds(5))
        #expect(try DurationText.parse("1.5", bareNumbers: .seconds) == .milliseconds(1500))
        #expect(try DurationText.parse("0", bareNumbers: .refused) == .zero)
        #expect(kind("5s5", bareNumbers: .seconds) == .malformed)
    }

    @Test("whole and fractional milliseconds")
    func milliseconds() throws {
        #expect(try DurationText.parse("1h30m").wholeMilliseconds == 5_400_000)
        #expect(try DurationText.parse("1500us").wholeMilliseconds == 1)
        #expect(try DurationText.parse("1500us").fractionalMilliseconds == 1.5)
        #expect(try DurationText.parse("2.5s").fractionalMilliseconds == 2500)
    }

    private func kind(_ text: String, bareNumbers: DurationText.BareNumbers = .refused) -> DurationText.Problem.Kind? {
        do {
            _ = try DurationText.parse(text, bareNumbers: bareNumbers)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test("durations are written in the largest unit that divides them")
    func durationFormat() {
        #expect(DurationText.format(milliseconds: 60_000) == "1m")
        #expect(DurationText.format(milliseconds: 90_000) == "90s")
        #expect(DurationText.format(milliseconds: 1500) == "1500ms")
        #expect(DurationText.format(milliseconds: 0) == "0")
        #expect(DurationText.format(milliseconds: 86_400_000) == "1d")
    }
}
