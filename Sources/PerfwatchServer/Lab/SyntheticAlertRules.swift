import PerfwatchAlerting
import PerfwatchModel

/// The default alert rules of the synthetic checks, one group per check (evaluated at the check's
/// own interval): "synthetic check failing" — `synthetic.up` was 0 on two runs in a row — and,
/// for a check with a `threshold`, "synthetic check slow" — its duration over it on two runs in a row.
/// The window holds about one and a half intervals (so the latest run, not older ones) and `for` one
/// interval (so a second run must agree); they are regenerated whenever the checks change.
enum SyntheticAlertRules {
    static let groupPrefix = "perfwatch-defaults-synthetic-"

    static func groups(for checks: [SyntheticCheck]) -> [AlertRuleGroup] {
        guard !checks.isEmpty else { return [] }
        let result = AlertRuleLoader.parse(yaml: yaml(for: checks), file: "synthetic checks")
        return result.groups.map { group in
            var copy = group
            copy.source = "synthetic"
            return copy
        }
    }

    static func yaml(for checks: [SyntheticCheck]) -> String {
        var text = "groups:\n"
        for check in checks {
            let window = DurationText.format(milliseconds: check.intervalMs * 3 / 2)
            let interval = DurationText.format(milliseconds: check.intervalMs)
            let evaluate = DurationText.format(milliseconds: min(check.intervalMs, 15_000))
            text += """
                  - name: \(groupPrefix)\(check.name)
                    interval: \(evaluate)
                    rules:
                      - alert: SyntheticCheckFailing
                        query: {metric: synthetic.up, stat: max, by: [check, type], where: ["check=\(check.name)"], window: \(window)}
                        op: "<"
                        threshold: 1
                        for: \(interval)
                        no_data: ok
                        labels: {severity: critical}
                        annotations:
                          summary: "synthetic check {{ $labels.check }} is failing ({{ $labels.type }} \(check.url))"

                """
            if let threshold = check.thresholdMs {
                text += """
                          - alert: SyntheticCheckSlow
                            query: {metric: synthetic.duration, stat: min, by: [check, type], where: ["check=\(check.name)"], window: \(window)}
                            op: ">"
                            threshold: \(threshold)
                            for: \(interval)
                            no_data: ok
                            labels: {severity: warning}
                            annotations:
                              summary: "synthetic check {{ $labels.check }} takes {{ $value | ms }} (threshold {{ $threshold | ms }})"

                    """
            }
        }
        return text
    }
}
