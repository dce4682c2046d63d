import Foundation
import PerfwatchAnalysis
import PerfwatchConfig
import PerfwatchModel

/// A scheduled report (issue 20): when it goes out (every day or week at a local time in a time
/// zone), to whom, and in which format. Read with `ConfigNode` from the server file's `reports:`
/// and from API bodies; refusals name the field.
struct ReportSchedule: Sendable, Equatable, Encodable {
    enum Every: String, Sendable, Encodable { case day, week }
    enum Format: String, Sendable, Encodable, CaseIterable { case json, csv, pdf }

    var name: String
    var every: Every
    /// 1 = Sunday … 7 = Saturday (`Calendar`'s numbering); only for weekly reports.
    var weekday: Int?
    var hour: Int
    var minute: Int
    var timeZone: String
    var recipients: [String]
    var format: Format
    /// A budget file (`perfwatch budget`'s format) whose status the report gives; only from the server's file
    /// (an API client must not make the server read a path of its choosing).
    var budget: String?

    static let weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    static func parse(_ node: ConfigNode, fromFile: Bool = false) throws(ConfigError) -> ReportSchedule {
        try node.checkKeys(["name", "schedule", "recipients", "format", "budget"])
        let nameNode = try node.required("name")
        let name = try nameNode.string()
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._- ".contains($0)) }) else {
            throw nameNode.invalid("a name of 1 to 64 letters, digits, spaces, '.', '_' or '-', got '\(name)'")
        }
        let schedule = try node.required("schedule")
        try schedule.checkKeys(["every", "weekday", "at", "time_zone"])
        let everyNode = try schedule.required("every")
        guard let every = Every(rawValue: try everyNode.string()) else { throw everyNode.invalid("must be day or week") }
        var weekday: Int?
        if let weekdayNode = schedule["weekday"] {
            guard every == .week else { throw weekdayNode.invalid("only a weekly report (every: week) has a weekday") }
            guard let index = weekdays.firstIndex(of: try weekdayNode.string().lowercased()) else {
                throw weekdayNode.invalid("must be one of \(weekdays.joined(separator: ", "))")
            }
            weekday = index + 1
        } else if every == .week {
            weekday = 2  // Monday
        }
        var hour = 8, minute = 0
        if let atNode = schedule["at"] {
            let text = try atNode.string()
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h),
                (0...59).contains(m)
            else { throw atNode.invalid("must be a local time HH:MM like \"08:00\", got '\(text)'") }
            hour = h
            minute = m
        }
        var timeZone = "UTC"
        if let zoneNode = schedule["time_zone"] {
            timeZone = try zoneNode.string()
            guard TimeZone(identifier: timeZone) != nil else { throw zoneNode.invalid("unknown time zone '\(timeZone)' (an IANA name like Europe/Berlin)") }
        }
        let recipientsNode = try node.required("recipients")
        let recipients = try recipientsNode.stringList()
        guard !recipients.isEmpty else { throw recipientsNode.invalid("must list at least one e-mail address") }
        for (index, address) in recipients.enumerated() where !isAddress(address) {
            throw recipientsNode.invalid("recipients[\(index)]: '\(address)' is not an e-mail address like ops@example.com")
        }
        var format = Format.pdf
        if let formatNode = node["format"] {
            guard let parsed = Format(rawValue: try formatNode.string()) else { throw formatNode.invalid("must be json, csv or pdf") }
            format = parsed
        }
        var budget: String?
        if let budgetNode = node["budget"] {
            guard fromFile else { throw budgetNode.invalid("a budget file is named in the server's configuration file (reports:), not through the API") }
            let path = try budgetNode.string()
            // Checked now, so a wrong path or a bad file stops the server at start-up, not at the first report.
            do {
                _ = try BudgetFile.parse(try String(contentsOfFile: path, encoding: .utf8), file: path)
            } catch let error as PerfwatchError {
                throw budgetNode.invalid(error.message)
            } catch {
                throw budgetNode.invalid("cannot read \(path): \(error.localizedDescription)")
            }
            budget = path
        }
        return ReportSchedule(
            name: name, every: every, weekday: weekday, hour: hour, minute: minute, timeZone: timeZone, recipients: recipients, format: format,
            budget: budget)
    }

    /// The file's `reports:` list; names must be unique.
    static func parseSection(_ section: ConfigNode) throws(ConfigError) -> [ReportSchedule] {
        guard section.isSequence else { throw section.invalid("must be a list of reports") }
        var schedules: [ReportSchedule] = []
        for item in try section.sequence() {
            let schedule = try parse(item, fromFile: true)
            if schedules.contains(where: { $0.name == schedule.name }) { throw (item["name"] ?? item).invalid("duplicate report name '\(schedule.name)'") }
            schedules.append(schedule)
        }
        return schedules
    }

    /// A plain `local@domain` (what SMTP's RCPT TO takes): no spaces, brackets or line breaks.
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), text.count <= 254 else {
            return false
        }
        return text.allSatisfy { $0.isASCII && !$0.isWhitespace && !"<>()[],;:\\\"".contains($0) }
    }

    /// The first fire time strictly after `ms`, in the schedule's time zone. A local time that does not
    /// exist on a day (the spring-forward gap) fires at the first existing time after it; one that occurs
    /// twice (fall back) fires once, at its first occurrence.
    func nextFire(after ms: Int64) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        var components = DateComponents(hour: hour, minute: minute, second: 0)
        if every == .week { components.weekday = weekday ?? 2 }
        let after = Date(timeIntervalSince1970: Double(ms) / 1000)
        let next = calendar.nextDate(after: after, matching: components, matchingPolicy: .nextTime, repeatedTimePolicy: .first, direction: .forward)
        return next.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? ms + 86_400_000
    }

    /// How far back a report looks: its period (one day or one week).
    var periodMs: Int64 { every == .day ? 86_400_000 : 7 * 86_400_000 }

    enum CodingKeys: String, CodingKey { case name, schedule, recipients, format }
    enum ScheduleKeys: String, CodingKey { case every, weekday, at, timeZone = "time_zone" }

    /// The definition as written, so a stored schedule parses back the same.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        var schedule = container.nestedContainer(keyedBy: ScheduleKeys.self, forKey: .schedule)
        try schedule.encode(every, forKey: .every)
        if let weekday { try schedule.encode(Self.weekdays[weekday - 1], forKey: .weekday) }
        try schedule.encode(String(format: "%02d:%02d", hour, minute), forKey: .at)
        try schedule.encode(timeZone, forKey: .timeZone)
        try container.encode(recipients, forKey: .recipients)
        try container.encode(format, forKey: .format)
    }

    var definitionJSON: String { (try? CompactJSONEncoder().encode(self)) ?? "{}" }
}
