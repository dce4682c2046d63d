/// What the evaluator must remember across a restart: every pending or firing instance
/// (pending since, firing since, last value) with its acknowledgement and rendered
/// annotations, keyed by the rule's identity (group, name, query) like a reload.
public struct AlertEvaluatorState: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        /// Group, rule name and query; an entry whose rule changed or went away is dropped.
        public var ruleKey: String
        public var labels: [String: String]
        public var instance: AlertStateMachine.Instance
        public var acknowledgement: Acknowledgement?
        public var annotations: [String: String]?
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) { self.entries = entries }
}

extension AlertEvaluator {
    /// A snapshot of the current instances, in a stable order (so equal states encode equally).
    public func exportState() -> AlertEvaluatorState {
        var entries: [AlertEvaluatorState.Entry] = []
        for group in groups {
            for runtime in group.rules {
                let key = Self.key(group.definition.name, runtime.rule)
                for (labels, instance) in runtime.machine.instances {
                    entries.append(AlertEvaluatorState.Entry(
                        ruleKey: key, labels: labels, instance: instance, acknowledgement: runtime.acknowledgements[labels],
                        annotations: runtime.annotations[labels]))
                }
            }
        }
        return AlertEvaluatorState(entries: entries.sorted { ($0.ruleKey, $0.labels.sortedDescription) < ($1.ruleKey, $1.labels.sortedDescription) })
    }

    /// Restores a snapshot taken by ``exportState()`` (at start-up, before the first
    /// evaluation): instances of rules that still exist continue where they were, so a
    /// firing alert stays firing (not "new") and its `for` timer is not restarted.
    /// Returns how many instances were restored.
    @discardableResult
    public func importState(_ state: AlertEvaluatorState) -> Int {
        var byKey: [String: [AlertEvaluatorState.Entry]] = [:]
        for entry in state.entries { byKey[entry.ruleKey, default: []].append(entry) }
        var restored = 0
        for groupIndex in groups.indices {
            for ruleIndex in groups[groupIndex].rules.indices {
                let key = Self.key(groups[groupIndex].definition.name, groups[groupIndex].rules[ruleIndex].rule)
                guard let entries = byKey[key] else { continue }
                var runtime = groups[groupIndex].rules[ruleIndex]
                var instances = runtime.machine.instances
                for entry in entries {
                    instances[entry.labels] = entry.instance
                    runtime.acknowledgements[entry.labels] = entry.acknowledgement
                    runtime.annotations[entry.labels] = entry.annotations
                }
                runtime.machine.restore(instances)
                runtime.status.pendingCount = instances.values.count { $0.state == .pending }
                runtime.status.firingCount = instances.values.count { $0.state == .firing }
                groups[groupIndex].rules[ruleIndex] = runtime
                restored += entries.count
            }
        }
        return restored
    }
}
