/// Current alerts, rule status and acknowledgement: what the API reads and writes.
extension AlertEvaluator {
    /// Current pending and firing instances, newest first.
    public func alerts(state: AlertState? = nil) -> [AlertInstanceSnapshot] {
        var result: [AlertInstanceSnapshot] = []
        for group in groups {
            for runtime in group.rules {
                for (labels, instance) in runtime.machine.instances where state == nil || instance.state == state {
                    result.append(snapshot(runtime, group: group.definition.name, labels: labels, instance: instance))
                }
            }
        }
        return result.sorted { ($0.activeAt, $0.id) > ($1.activeAt, $1.id) }
    }

    /// Per-rule evaluation status: last time, duration, error, counts.
    public func ruleStatuses() -> [RuleEvaluationStatus] {
        groups.flatMap { $0.rules.map(\.status) }
    }

    /// Acknowledges a pending or firing alert: stops its escalation and records it in
    /// history. Throws `not_found` when no current alert has that id.
    @discardableResult
    public func acknowledge(alertID: String, by user: String, comment: String? = nil) async throws(AlertingError) -> AlertInstanceSnapshot {
        guard !user.isEmpty else { throw AlertingError(code: "invalid_field", message: "required field is missing", field: "by") }
        for groupIndex in groups.indices {
            let groupName = groups[groupIndex].definition.name
            for ruleIndex in groups[groupIndex].rules.indices {
                let runtime = groups[groupIndex].rules[ruleIndex]
                for (labels, instance) in runtime.machine.instances
                where Self.fingerprint(group: groupName, labels: Self.fullLabels(rule: runtime.rule, instance: labels)) == alertID {
                    let acknowledgement = Acknowledgement(by: user, at: clock.now(), comment: comment)
                    groups[groupIndex].rules[ruleIndex].acknowledgements[labels] = acknowledgement
                    let updated = groups[groupIndex].rules[ruleIndex]
                    await dispatcher?.acknowledge(fingerprint: alertID, acknowledgement)
                    let transition = AlertTransition(
                        kind: instance.state == .firing ? .stillFiring : .stillPending, labels: labels, value: instance.value,
                        activeAt: instance.activeAt, firedAt: instance.firedAt, resolvedAt: nil, at: acknowledgement.at, keptFiring: false)
                    let alert = makeAlert(updated, group: groupName, transition: transition)
                    await history?.record([historyEvent(.acknowledged, alert: alert, runtime: updated, transition: transition, silenced: false)])
                    return snapshot(updated, group: groupName, labels: labels, instance: instance)
                }
            }
        }
        throw AlertingError(code: "not_found", message: "no pending or firing alert with id \(alertID)", field: "id")
    }

    private func snapshot(_ runtime: RuleRuntime, group: String, labels: [String: String], instance: AlertStateMachine.Instance) -> AlertInstanceSnapshot {
        let full = Self.fullLabels(rule: runtime.rule, instance: labels)
        return AlertInstanceSnapshot(
            id: Self.fingerprint(group: group, labels: full), ruleName: runtime.rule.name, groupName: group, state: instance.state,
            labels: full, annotations: runtime.annotations[labels] ?? [:], value: instance.value, threshold: runtime.rule.threshold,
            severity: runtime.rule.severity, activeAt: instance.activeAt, firedAt: instance.firedAt, lastEvaluatedAt: instance.lastEvaluatedAt,
            acknowledgement: runtime.acknowledgements[labels])
    }
}
