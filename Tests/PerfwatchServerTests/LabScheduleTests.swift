import Foundation
import PerfwatchConfig
@testable import PerfwatchServer
import Testing

/// Report schedules (issue 20): the next fire time in the schedule's time zone, across both DST changes,
/// and refusals that name the field.
@Suite("Lab: report schedules")
struct LabScheduleTests {
    static func schedule(_ json: String) throws(ConfigError) -> ReportSchedule {
        try ReportSchedule.parse(try ConfigNode.parseJSON(Data(json.utf8), rootPath: "report"))
    }

    static func ms(_ text: String) -> Int64 { Int64(ISO8601DateFormatter().date(from: text)!.timeIntervalSince1970 * 1000) }

    @Test(
        "next fire times in Europe/Berlin",
        arguments: [
            // Winter time (UTC+1), daily 08:00.
            ("day", nil, "08:00", "2026-12-01T06:00:00Z", "2026-12-01T07:00:00Z"),
            ("day", nil, "08:00", "2026-12-01T07:00:00Z", "2026-12-02T07:00:00Z"),
            // Across spring forward (29 March 2026): 08:00 is then 06:00Z.
            ("day", nil, "08:00", "2026-03-28T12:00:00Z", "2026-03-29T06:00:00Z"),
            // 02:30 does not exist on 29 March: the first time after the gap (03:00 CEST = 01:00Z).
            ("day", nil, "02:30", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"),
            // 02:30 happens twice on 25 October: once, the first time (CEST, 00:30Z); the next is the 26th (CET).
            ("day", nil, "02:30", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"),
            ("day", nil, "02:30", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"),
            // Weekly on Monday 08:00, from a Tuesday.
            ("week", "monday", "08:00", "2026-12-01T10:00:00Z", "2026-12-07T07:00:00Z"),
            ("week", "friday", "17:30", "2026-03-23T00:00:00Z", "2026-03-27T16:30:00Z"),
            ("week", "monday", "08:00", "2026-03-24T00:00:00Z", "2026-03-30T06:00:00Z"),
        ] as [(String, String?, String, String, String)])
    func nextFire(every: String, weekday: String?, at: String, after: String, expected: String) throws {
        let weekdayField = weekday.map { #","weekday":"\#($0)""# } ?? ""
        let schedule = try Self.schedule(
            #"{"name":"r","schedule":{"every":"\#(every)"\#(weekdayField),"at":"\#(at)","time_zone":"Europe/Berlin"},"recipients":["a@example.com"]}"#)
        #expect(schedule.nextFire(after: Self.ms(after)) == Self.ms(expected))
    }

    @Test("defaults: weekly on Monday at 08:00 UTC, PDF; the stored form parses back the same")
    func defaults() throws {
        let schedule = try Self.schedule(#"{"name":"weekly","schedule":{"every":"week"},"recipients":["ops@example.com"]}"#)
        #expect(schedule.weekday == 2 && schedule.hour == 8 && schedule.minute == 0 && schedule.timeZone == "UTC" && schedule.format == .pdf)
        #expect(try Self.schedule(schedule.definitionJSON) == schedule)
    }

    @Test(
        "bad schedules are refused naming the field",
        arguments: [
            (#"{"name":"r","schedule":{"every":"month"},"recipients":["a@example.com"]}"#, "report.schedule.every: must be day or week"),
            (#"{"name":"r","schedule":{"every":"day","at":"8:00"},"recipients":["a@example.com"]}"#, "report.schedule.at: must be a local time HH:MM"),
            (#"{"name":"r","schedule":{"every":"day","at":"24:00"},"recipients":["a@example.com"]}"#, "report.schedule.at"),
            (#"{"name":"r","schedule":{"every":"day","time_zone":"Mars/Base"},"recipients":["a@example.com"]}"#, "report.schedule.time_zone: unknown time zone 'Mars/Base'"),
            (#"{"name":"r","schedule":{"every":"day","weekday":"monday"},"recipients":["a@example.com"]}"#, "report.schedule.weekday: only a weekly report"),
            (#"{"name":"r","schedule":{"every":"week","weekday":"someday"},"recipients":["a@example.com"]}"#, "report.schedule.weekday: must be one of"),
            (#"{"name":"r","schedule":{"every":"day"},"recipients":["not-an-address"]}"#, "report.recipients: recipients[0]: 'not-an-address' is not an e-mail address"),
            (#"{"name":"r","schedule":{"every":"day"},"recipients":["a@example.com\r\nRCPT TO:<x@y.z>"]}"#, "is not an e-mail address"),
            (#"{"name":"r","schedule":{"every":"day"},"recipients":[]}"#, "report.recipients: must list at least one"),
            (#"{"name":"r","schedule":{"every":"day"},"recipients":["a@example.com"],"format":"docx"}"#, "report.format: must be json, csv or pdf"),
            (#"{"name":"r","recipients":["a@example.com"]}"#, "report.schedule: required field is missing"),
        ])
    func refused(json: String, expected: String) {
        do {
            _ = try Self.schedule(json)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}
