/// The rules active on a fresh install; documented in `docs/default-rules.md` (keep the two
/// in sync — a test checks these parse without diagnostics). Every rule uses
/// `no_data: ok`, so a rule whose metric nobody sends stays quiet.
public enum DefaultAlertRules {
    /// Group names start with `perfwatch-defaults`; a rule file defining a group of the
    /// same name replaces it (see ``AlertRuleGroup/combine(_:)``).
    public static let yaml = """
        groups:
          - name: perfwatch-defaults-app
            interval: 15s
            rules:
              - alert: ApiLatencyHigh
                query: {metric: http.server.duration, stat: p95, by: [service, route], window: 5m}
                op: ">"
                threshold: 2000
                for: 5m
                keep_firing_for: 2m
                no_data: ok
                labels: {severity: critical}
                annotations:
                  summary: "p95 of {{ $labels.route }} is {{ $value | ms }} (threshold {{ $threshold | ms }}) for {{ $for }}"
                  description: "Service {{ $labels.service }}: 95% of requests to {{ $labels.route }} over the last 5 minutes took up to {{ $value | ms }}."
              - alert: ErrorRateHigh
                query:
                  metric: http.server.errors
                  stat: sum
                  by: [service, route]
                  window: 5m
                  ratio_to: {metric: http.server.duration, stat: count}
                op: ">"
                threshold: 0.05
                for: 5m
                keep_firing_for: 2m
                no_data: ok
                labels: {severity: critical}
                annotations:
                  summary: "error rate of {{ $labels.route }} is {{ $value | percent }} (threshold {{ $threshold | percent }}) for {{ $for }}"
              - alert: DbQuerySlow
                query: {metric: db.query.duration, stat: p95, by: [service, fingerprint], window: 5m}
                op: ">"
                threshold: 500
                for: 5m
                no_data: ok
                labels: {severity: warning}
                annotations:
                  summary: "p95 of query `{{ $labels.statement }}` is {{ $value | ms }} (threshold {{ $threshold | ms }}) for {{ $for }}"
                  description: "Service {{ $labels.service }}, query fingerprint {{ $labels.fingerprint }} (Database page): 95% of its calls over the last 5 minutes took up to {{ $value | ms }}."
              - alert: LcpPoor
                query: {metric: rum.lcp, stat: p75, by: [page], window: 15m}
                op: ">"
                threshold: 4000
                for: 10m
                no_data: ok
                labels: {severity: warning}
                annotations:
                  summary: "LCP p75 of {{ $labels.page }} is {{ $value | ms }} (threshold {{ $threshold | ms }}) for {{ $for }}"
              - alert: JavaScriptTransferHigh
                query: {metric: rum.resource.bytes, stat: avg, by: [page], where: ["type=script"], window: 1h}
                op: ">"
                threshold: 2000000
                for: 15m
                no_data: ok
                labels: {severity: warning}
                annotations:
                  summary: "JavaScript transfer of {{ $labels.page }} is {{ $value | bytes }} per page view (budget {{ $threshold | bytes }})"
          - name: perfwatch-defaults-host
            interval: 15s
            rules:
              - alert: HostCpuHigh
                query: {metric: system.cpu.percent, stat: avg, window: 5m}
                op: ">"
                threshold: 70
                for: 5m
                no_data: ok
                labels: {severity: warning}
                annotations:
                  summary: "CPU utilization is {{ $value }}% (threshold {{ $threshold }}%) for {{ $for }}"
              - alert: HostMemoryHigh
                query: {metric: system.memory.percent, stat: avg, window: 5m}
                op: ">"
                threshold: 80
                for: 5m
                no_data: ok
                labels: {severity: warning}
                annotations:
                  summary: "memory utilization is {{ $value }}% (threshold {{ $threshold }}%) for {{ $for }}"
          - name: perfwatch-defaults-self
            interval: 15s
            rules:
              - alert: IngestRejections
                query: {metric: perfwatch.ingest.rejected, stat: rate, window: 5m}
                op: ">"
                threshold: 0
                for: 0s
                keep_firing_for: 5m
                no_data: ok
                labels: {severity: warning}
                annotations:
                  summary: "Perfwatch rejected {{ $value }} items/s at ingest over the last 5 min"
              - alert: AlertEvaluationFailing
                query: {metric: perfwatch.alerting.rule_errors, stat: max, by: [group, rule], window: 5m}
                op: ">"
                threshold: 0
                for: 5m
                no_data: ok
                labels: {severity: warning}
                annotations:
                  summary: "alert rule {{ $labels.rule }} (group {{ $labels.group }}) fails to evaluate for {{ $for }}"
        """

    /// The parsed default groups.
    public static var groups: [AlertRuleGroup] {
        AlertRuleLoader.parse(yaml: yaml, file: "defaults").groups.map { group in
            var copy = group
            copy.source = "defaults"
            return copy
        }
    }
}

extension AlertRuleGroup {
    /// Combines rule sources in order (e.g. defaults, then `--rules` files, then rules
    /// managed through the API): a later group with the same name replaces an earlier one.
    public static func combine(_ layers: [AlertRuleGroup]...) -> [AlertRuleGroup] {
        var result: [AlertRuleGroup] = []
        for layer in layers {
            for group in layer {
                if let index = result.firstIndex(where: { $0.name == group.name }) {
                    result[index] = group
                } else {
                    result.append(group)
                }
            }
        }
        return result
    }
}
