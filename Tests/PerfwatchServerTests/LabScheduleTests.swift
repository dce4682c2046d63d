import Foundation
import PerfwatchConfig
import PerfwatchModel
import PerfwatchQuery
@testable import PerfwatchServer
import PerfwatchStorage
import PerfwatchTesting
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

/// A report's budget status (issue 20): the schedule names a budget file in the server's file only, checked at start-up,
/// and the report checks it against the store when it is built.
@Suite("Lab: report budget status")
struct LabReportBudgetTests {
    static let yaml = "reports:\n  - name: weekly\n    schedule: {every: week}\n    recipients: [ops@example.com]\n    budget: %@\n"

    @Test("a budget file in the server's file is read at start-up; a bad one names the field; the API may not name one")
    func budgetSetting() async throws {
        try await withTemporaryDirectory { path in
            let directory = URL(fileURLWithPath: path)
            let good = directory.appendingPathComponent("budgets.yml")
            try "budgets:\n  - {page: /checkout, lcp: 2.5s}\n".write(to: good, atomically: true, encoding: .utf8)
            let bad = directory.appendingPathComponent("bad.yml")
            try "budgets:\n  - {page: /x, lcp: fast}\n".write(to: bad, atomically: true, encoding: .utf8)
            func section(_ path: String) throws(ConfigError) -> [ReportSchedule] {
                let node = try ConfigNode.parseYAML(String(format: Self.yaml, path), file: "perfwatch.yml")
                return try ReportSchedule.parseSection(try node.required("reports"))
            }
            #expect(try section(good.path)[0].budget == good.path)
            #expect(throws: ConfigError.self) { try section(bad.path) }
            do { _ = try section(bad.path) } catch {
                #expect("\(error)".contains("reports[0].budget") && "\(error)".contains("bad.yml:2"), "\("\(error)")")
            }
            do { _ = try section(directory.appendingPathComponent("none.yml").path) } catch {
                #expect("\(error)".contains("reports[0].budget") && "\(error)".contains("cannot read"), "\("\(error)")")
            }
            do {
                _ = try LabScheduleTests.schedule(#"{"name":"r","schedule":{"every":"day"},"recipients":["a@example.com"],"budget":"/etc/passwd"}"#)
                Issue.record("the API named a file for the server to read")
            } catch {
                #expect("\(error)".contains("budget") && "\(error)".contains("not through the API"), "\("\(error)")")
            }
        }
    }

    @Test("the status: not configured, the file checked against the store, a file gone since start-up")
    func status() async throws {
        try await withTemporaryDirectory { path in
            let directory = URL(fileURLWithPath: path)
            let store = try EmbeddedStore(configuration: EmbeddedStoreConfiguration(directory: path + "/data", fsyncEachCommit: false))
            let engine = QueryEngine(store: store, configuration: .init(maxSeries: 100_000))
            let now = TimeParsing.nowMs()
            #expect(await ReportBudgetStatus.text(budgetFile: nil, engine: engine, nowMs: now) == ReportBudgetStatus.notConfigured)
            let file = directory.appendingPathComponent("budgets.yml")
            try "budgets:\n  - {page: /checkout, lcp: 2.5s}\n  - {page: /home, lcp: 2.5s, missing: ok}\n".write(to: file, atomically: true, encoding: .utf8)
            let text = await ReportBudgetStatus.text(budgetFile: file.path, engine: engine, nowMs: now)
            #expect(text == "1 of 2 budgets without data for their route or page", "\(text)")
            try FileManager.default.removeItem(at: file)
            let gone = await ReportBudgetStatus.text(budgetFile: file.path, engine: engine, nowMs: now)
            #expect(gone.hasPrefix("budget file \(file.path) could not be read"), "\(gone)")
        }
    }
}
