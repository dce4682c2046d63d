import Foundation
import PerfwatchAlerting
import PerfwatchModel

/// Query-string and field parameters: times, durations, silences' matchers.
extension FuzzTarget {
    static let parameterTargets: [FuzzTarget] = [
        FuzzTarget(name: "time-parameters") { input in
            let text = String(decoding: input, as: UTF8.self)
            _ = TimeParsing.parseTime(text, nowMs: nowMs)
            _ = try? DurationText.parse(text, bareNumbers: .seconds)
            _ = TimeParsing.parseRFC3339(text)
        },
        // The one duration grammar (the target keeps its name, and so its corpus, from when it was alerting's own).
        FuzzTarget(name: "alert-duration") { input in
            let text = String(decoding: input, as: UTF8.self)
            if let duration = try? DurationText.parse(text) {
                _ = duration.wholeMilliseconds
                _ = AlertDuration.format(duration)
                _ = AlertDuration.humanize(duration)
            }
        },
        // A silence as the API builds it: one matcher per line, then times as the route reads them.
        FuzzTarget(name: "silences") { input in
            let lines = String(decoding: input, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let starts = lines.first.flatMap { TimeParsing.parseTime($0, nowMs: nowMs) } ?? nowMs
            let ends = lines.dropFirst().first.flatMap { TimeParsing.parseTime($0, nowMs: nowMs) } ?? nowMs
            if let silence = try? Silence.validated(
                id: "fuzz", matchers: Array(lines.dropFirst(2)), startsAt: starts, endsAt: ends, createdBy: "fuzz", comment: "")
            {
                _ = silence.silences(["service": "api", "alertname": "x"], at: nowMs)
            }
        },
    ]
}
