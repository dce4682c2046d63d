/// The pure state machine of one rule: every instance (label set) of its query moves
/// inactive → pending (for `for`) → firing → resolved, with `keep_firing_for` against
/// flapping and a `no_data` policy.
///
/// A value type without I/O or clocks: the caller passes the observations of one
/// evaluation and its time, and gets back what changed. Tests drive it with plain numbers.
public struct AlertStateMachine: Sendable {
    /// Per-instance bookkeeping between evaluations.
    public struct Instance: Sendable, Hashable, Codable {
        public var state: AlertState
        public var activeAt: Int64
        public var firedAt: Int64?
        /// Last evaluation where the condition held; `keep_firing_for` counts from here.
        public var lastTrueAt: Int64
        public var value: Double?
        public var lastEvaluatedAt: Int64
    }

    public var pendingFor: Duration
    public var keepFiringFor: Duration
    public var noData: NoDataPolicy
    /// Current pending and firing instances by label set (inactive ones are dropped).
    public private(set) var instances: [[String: String]: Instance] = [:]

    public init(pendingFor: Duration = .zero, keepFiringFor: Duration = .zero, noData: NoDataPolicy = .ok) {
        self.pendingFor = pendingFor
        self.keepFiringFor = keepFiringFor
        self.noData = noData
    }

    /// Convenience for a rule's timing.
    public init(rule: AlertRule) {
        self.init(pendingFor: rule.pendingFor, keepFiringFor: rule.keepFiringFor, noData: rule.noData)
    }

    /// Applies one evaluation.
    ///
    /// - Parameters:
    ///   - observations: the complete result of the query at `now`; an empty array means
    ///     the query returned no data at all. An instance absent from a non-empty result has
    ///     recovered (its series went away), as in Prometheus.
    ///   - condition: whether a value breaches (the rule's `value op threshold`).
    ///   - now: evaluation time, unix ms.
    /// - Returns: one transition per instance touched, in label order.
    public mutating func evaluate(_ observations: [AlertObservation], at now: Int64, condition: (Double) -> Bool) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        var seen = Set<[String: String]>()
        if observations.isEmpty {
            // The query as a whole had no data: the policy applies to every instance.
            switch noData {
            case .ok:
                for labels in instances.keys { step(labels, holds: false, value: nil, at: now, into: &transitions) }
            case .alerting:
                let targets = instances.isEmpty ? [[:]] : Array(instances.keys)
                for labels in targets { step(labels, holds: true, value: nil, at: now, into: &transitions) }
            case .keep:
                for labels in instances.keys { instances[labels]?.lastEvaluatedAt = now }
            }
            return transitions.sorted { $0.labels.sortedDescription < $1.labels.sortedDescription }
        }
        for observation in observations {
            seen.insert(observation.labels)
            if let value = observation.value, !value.isNaN {
                step(observation.labels, holds: condition(value), value: value, at: now, into: &transitions)
            } else {
                switch noData {
                case .ok: step(observation.labels, holds: false, value: nil, at: now, into: &transitions)
                case .alerting: step(observation.labels, holds: true, value: nil, at: now, into: &transitions)
                case .keep: instances[observation.labels]?.lastEvaluatedAt = now
                }
            }
        }
        for labels in instances.keys where !seen.contains(labels) {
            step(labels, holds: false, value: nil, at: now, into: &transitions)
        }
        return transitions.sorted { $0.labels.sortedDescription < $1.labels.sortedDescription }
    }

    /// Convenience: evaluates against a rule's operator and threshold.
    public mutating func evaluate(_ observations: [AlertObservation], at now: Int64, rule: AlertRule) -> [AlertTransition] {
        evaluate(observations, at: now) { rule.op.holds($0, rule.threshold) }
    }

    private mutating func step(_ labels: [String: String], holds: Bool, value: Double?, at now: Int64, into transitions: inout [AlertTransition]) {
        func emit(_ kind: AlertTransition.Kind, _ instance: Instance, resolvedAt: Int64? = nil, kept: Bool = false) {
            transitions.append(AlertTransition(
                kind: kind, labels: labels, value: value, activeAt: instance.activeAt, firedAt: instance.firedAt,
                resolvedAt: resolvedAt, at: now, keptFiring: kept))
        }
        guard var instance = instances[labels] else {
            guard holds else { return }
            var fresh = Instance(state: .pending, activeAt: now, firedAt: nil, lastTrueAt: now, value: value, lastEvaluatedAt: now)
            if pendingFor <= .zero {
                fresh.state = .firing
                fresh.firedAt = now
                instances[labels] = fresh
                emit(.becameFiring, fresh)
            } else {
                instances[labels] = fresh
                emit(.becamePending, fresh)
            }
            return
        }
        instance.value = value
        instance.lastEvaluatedAt = now
        if holds { instance.lastTrueAt = now }
        switch (instance.state, holds) {
        case (.pending, true):
            if now - instance.activeAt >= pendingFor.milliseconds {
                instance.state = .firing
                instance.firedAt = now
                instances[labels] = instance
                emit(.becameFiring, instance)
            } else {
                instances[labels] = instance
                emit(.stillPending, instance)
            }
        case (.pending, false):
            instances[labels] = nil
            emit(.pendingCancelled, instance)
        case (.firing, true):
            instances[labels] = instance
            emit(.stillFiring, instance)
        case (.firing, false):
            if keepFiringFor > .zero, now - instance.lastTrueAt < keepFiringFor.milliseconds {
                instances[labels] = instance
                emit(.stillFiring, instance, kept: true)
            } else {
                instances[labels] = nil
                emit(.resolved, instance, resolvedAt: now)
            }
        case (.inactive, _), (.resolved, _):
            // Never stored; kept exhaustive so a new state cannot be forgotten here.
            instances[labels] = nil
        }
    }

    /// Restores instances (e.g. after a rule reload that kept the rule), so a reload does
    /// not restart `for` timers or re-notify.
    public mutating func restore(_ saved: [[String: String]: Instance]) {
        instances = saved
    }
}

extension Dictionary where Key == String, Value == String {
    /// `{a="1", b="2"}` in key order; a stable identity for sorting and grouping.
    package var sortedDescription: String {
        "{" + sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ") + "}"
    }
}
