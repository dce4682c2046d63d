internal import Foundation

/// The summary of a resolved alert.
///
/// A firing summary — `p95 of /slow is 250 ms (threshold 100 ms) for 10 s` — rendered again at
/// resolution read `is no data (threshold 100 ms) for 10 s` when the data stopped, and kept the
/// `for 10 s` of a breach that is over (issue 15). A resolved one keeps the subject (what the
/// template says before ` is {{ $value … }}`) and says how it ended, in the value's format:
/// - recovered: `p95 of /slow is back to 42 ms (threshold 100 ms)`
/// - data stopped: `no data for p95 of /slow in the last 5 min`
/// - rule removed or changed: `p95 of /slow: no longer evaluated (rule removed or changed)`
///
/// A template of another shape is rendered as it is when there is a value; without one, the
/// rule's name and labels stand in for the subject.
extension AnnotationTemplate {
    public enum Resolution: Sendable {
        /// The condition stopped holding; the value it came back to.
        case recovered(Double)
        /// No data for the instance in the query's window.
        case noData(window: Duration)
        /// The rule went away on a reload (or its query changed).
        case ruleRemoved
    }

    public static func resolvedSummary(
        _ template: String, _ context: Context, _ resolution: Resolution, fallbackSubject: String
    ) -> String {
        let shape = valueSentence(template)
        let subject = shape.map { render($0.subject, context) }
        switch resolution {
        case .recovered(let value):
            guard let shape, let subject else { return render(template, context) }
            let shownValue = formatNumber(value, as: shape.format) + shape.unit
            let shownThreshold = formatNumber(context.threshold, as: shape.format) + shape.unit
            return "\(subject) is back to \(shownValue) (threshold \(shownThreshold))"
        case .noData(let window):
            guard let subject else { return "\(fallbackSubject): no data in the last \(AlertDuration.humanize(window))" }
            return "no data for \(subject) in the last \(AlertDuration.humanize(window))"
        case .ruleRemoved:
            return "\(subject ?? fallbackSubject): no longer evaluated (rule removed or changed)"
        }
    }

    /// Splits `SUBJECT is {{ $value | FORMAT }}UNIT …` (the shape of every default summary);
    /// nil for another shape. `UNIT` is what sticks to the value, like the `%` of `{{ $value }}%`.
    static func valueSentence(_ template: String) -> (subject: String, format: String?, unit: String)? {
        var rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            let parts = rest[open.upperBound..<close.lowerBound].split(separator: "|", maxSplits: 1)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.first == "$value" else {
                rest = rest[close.upperBound...]
                continue
            }
            let before = template[..<open.lowerBound]
            guard before.hasSuffix(" is ") else { return nil }
            let unit = rest[close.upperBound...].prefix { !$0.isWhitespace && $0 != "(" && $0 != "," && $0 != "." }
            return (String(before.dropLast(" is ".count)), parts.count > 1 ? parts[1] : nil, String(unit))
        }
        return nil
    }
}
