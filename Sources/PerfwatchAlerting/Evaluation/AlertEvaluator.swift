internal import Foundation
public import Logging
public import ServiceLifecycle

/// Evaluates rule groups on their intervals, feeds each rule's ``AlertStateMachine``, and
/// hands the results to the ``NotificationDispatcher`` and the ``AlertHistorySink``.
///
/// A failing query marks only its rule as errored (``RuleEvaluationStatus/Health/error``);
/// the other rules of the round still run. The evaluator never waits on a notification
/// being sent. As a `Service` it runs one loop per group until shutdown and restarts the
/// loops on ``replaceRules(_:)`` (SIGHUP or the reload API).
public actor AlertEvaluator: Service {
    /// Metric answered by the evaluator itself: 1 per rule whose last evaluation failed,
    /// with labels `group` and `rule`, so "evaluation failing" is an ordinary rule.
    public static let ruleErrorsMetric = "perfwatch.alerting.rule_errors"

    struct RuleRuntime {
        var rule: AlertRule
        var machine: AlertStateMachine
        var status: RuleEvaluationStatus
        var acknowledgements: [[String: String]: Acknowledgement] = [:]
        var annotations: [[String: String]: [String: String]] = [:]
        /// The latest ``AlertSample/details`` of each current instance, for its messages.
        var details: [[String: String]: [String: String]] = [:]
    }

    struct GroupRuntime {
        var definition: AlertRuleGroup
        var rules: [RuleRuntime]
    }

    var groups: [GroupRuntime] = []
    var generation = 0
    var reloadWaiters: [CheckedContinuation<Void, Never>] = []
    let dataSource: any AlertDataSource
    let dispatcher: NotificationDispatcher?
    let history: (any AlertHistorySink)?
    let clock: any AlertClock
    let configuration: AlertEvaluatorConfiguration
    let logger: Logger

    public init(
        groups: [AlertRuleGroup], dataSource: any AlertDataSource, dispatcher: NotificationDispatcher? = nil,
        history: (any AlertHistorySink)? = nil, clock: any AlertClock = SystemAlertClock(),
        configuration: AlertEvaluatorConfiguration = AlertEvaluatorConfiguration(), logger: Logger = Logger(label: "perfwatch.alerting.evaluator")
    ) {
        self.dataSource = dataSource
        self.dispatcher = dispatcher
        self.history = history
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.groups = groups.map(Self.runtime)
    }

    private static func runtime(_ group: AlertRuleGroup) -> GroupRuntime {
        GroupRuntime(definition: group, rules: group.rules.map { rule in
            RuleRuntime(rule: rule, machine: AlertStateMachine(rule: rule), status: RuleEvaluationStatus(
                groupName: group.name, ruleName: rule.name, health: .unknown, pendingCount: 0, firingCount: 0))
        })
    }

    // MARK: Rules

    /// The rule groups being evaluated.
    public func ruleGroups() -> [AlertRuleGroup] { groups.map(\.definition) }

    /// Replaces all rules (reload). A rule that keeps its group, name and query keeps its
    /// alert state, so a reload neither restarts `for` timers nor re-notifies. Firing
    /// instances of rules that disappear are resolved and notified as such.
    public func replaceRules(_ newGroups: [AlertRuleGroup]) async {
        var old: [String: RuleRuntime] = [:]
        for group in groups {
            for runtime in group.rules { old[Self.key(group.definition.name, runtime.rule)] = runtime }
        }
        var fresh = newGroups.map(Self.runtime)
        for groupIndex in fresh.indices {
            for ruleIndex in fresh[groupIndex].rules.indices {
                let rule = fresh[groupIndex].rules[ruleIndex].rule
                let key = Self.key(fresh[groupIndex].definition.name, rule)
                guard let previous = old.removeValue(forKey: key) else { continue }
                fresh[groupIndex].rules[ruleIndex].machine.restore(previous.machine.instances)
                fresh[groupIndex].rules[ruleIndex].status = previous.status
                fresh[groupIndex].rules[ruleIndex].acknowledgements = previous.acknowledgements
                fresh[groupIndex].rules[ruleIndex].annotations = previous.annotations
                fresh[groupIndex].rules[ruleIndex].details = previous.details
            }
        }
        let now = clock.now()
        var resolved: [Alert] = []
        var events: [AlertHistoryEvent] = []
        for (_, runtime) in old {
            for (labels, instance) in runtime.machine.instances where instance.state == .firing {
                let transition = AlertTransition(
                    kind: .resolved, labels: labels, value: instance.value, activeAt: instance.activeAt, firedAt: instance.firedAt,
                    resolvedAt: now, at: now, keptFiring: false)
                let alert = makeAlert(runtime, group: runtime.status.groupName, transition: transition, ruleRemoved: true)
                resolved.append(alert)
                events.append(historyEvent(.resolved, alert: alert, runtime: runtime, transition: transition, silenced: false))
            }
        }
        groups = fresh
        generation += 1
        for waiter in reloadWaiters { waiter.resume() }
        reloadWaiters.removeAll()
        if !resolved.isEmpty { await dispatcher?.receive(resolved) }
        if !events.isEmpty { await history?.record(events) }
    }

    static func key(_ group: String, _ rule: AlertRule) -> String {
        group + "\u{0}" + rule.name + "\u{0}" + String(decoding: rule.query.jsonKey, as: UTF8.self)
    }

    // MARK: Evaluation

    /// Evaluates every group once, now (tests, benchmarks, an "evaluate now" button).
    public func evaluateAll() async {
        for name in groups.map(\.definition.name) { await evaluateGroup(named: name) }
    }

    /// Evaluates one group once at the clock's current time.
    public func evaluateGroup(named name: String) async {
        guard let groupIndex = groups.firstIndex(where: { $0.definition.name == name }) else { return }
        let now = clock.now()
        let startGeneration = generation
        let group = groups[groupIndex]
        let timeout = configuration.queryTimeout ?? group.definition.interval
        let ruleErrors = currentRuleErrors()
        let outcomes = await Self.query(
            group.rules.map(\.rule.query), at: now, source: dataSource, timeout: timeout,
            concurrency: configuration.maxConcurrentQueries, ruleErrors: ruleErrors)
        // Rules were replaced while querying: these results belong to rules that are gone.
        guard startGeneration == generation else { return }
        var alerts: [Alert] = []
        var changes: [(AlertHistoryEvent.Kind, Alert, RuleRuntime, AlertTransition)] = []
        for (ruleIndex, outcome) in outcomes.enumerated() {
            var runtime = groups[groupIndex].rules[ruleIndex]
            runtime.status.lastEvaluatedAt = now
            runtime.status.lastDurationMs = outcome.durationMs
            switch outcome.result {
            case .failure(let error):
                runtime.status.health = .error
                runtime.status.lastError = (error as? AlertingError)?.message ?? "\(error)"
                logger.debug("rule evaluation failed", metadata: ["rule": "\(runtime.rule.name)", "error": "\(error)"])
            case .success(let observations):
                runtime.status.health = observations.isEmpty ? .noData : .ok
                runtime.status.lastError = nil
                let rule = runtime.rule
                for observation in observations where !observation.details.isEmpty {
                    runtime.details[observation.labels] = observation.details
                }
                let transitions = runtime.machine.evaluate(observations, at: now, rule: rule)
                for transition in transitions {
                    apply(transition, to: &runtime, group: name, alerts: &alerts, changes: &changes)
                }
                // Kept for current instances only (a resolved message has been made by now).
                if !runtime.details.isEmpty {
                    let instances = runtime.machine.instances
                    runtime.details = runtime.details.filter { instances[$0.key] != nil }
                }
            }
            runtime.status.pendingCount = runtime.machine.instances.values.count { $0.state == .pending }
            runtime.status.firingCount = runtime.machine.instances.values.count { $0.state == .firing }
            groups[groupIndex].rules[ruleIndex] = runtime
        }
        if !alerts.isEmpty { await dispatcher?.receive(alerts) }
        if let history, !changes.isEmpty {
            var events: [AlertHistoryEvent] = []
            events.reserveCapacity(changes.count)
            for (kind, alert, runtime, transition) in changes {
                let silenced = await dispatcher?.isSilenced(alert.labels) ?? false
                events.append(historyEvent(kind, alert: alert, runtime: runtime, transition: transition, silenced: silenced))
            }
            await history.record(events)
        }
    }

    private func apply(
        _ transition: AlertTransition, to runtime: inout RuleRuntime, group: String, alerts: inout [Alert],
        changes: inout [(AlertHistoryEvent.Kind, Alert, RuleRuntime, AlertTransition)]
    ) {
        let labels = transition.labels
        switch transition.kind {
        case .pendingCancelled, .resolved:
            let alert = makeAlert(runtime, group: group, transition: transition)
            runtime.annotations[labels] = nil
            runtime.acknowledgements[labels] = nil
            if transition.kind == .resolved { alerts.append(alert) }
            changes.append((transition.kind == .resolved ? .resolved : .cancelled, alert, runtime, transition))
        case .becamePending, .stillPending, .becameFiring, .stillFiring:
            let alert = makeAlert(runtime, group: group, transition: transition)
            runtime.annotations[labels] = alert.annotations
            if transition.state == .firing { alerts.append(alert) }
            if transition.kind == .becamePending { changes.append((.pending, alert, runtime, transition)) }
            if transition.kind == .becameFiring { changes.append((.firing, alert, runtime, transition)) }
        }
    }

    func makeAlert(_ runtime: RuleRuntime, group: String, transition: AlertTransition, ruleRemoved: Bool = false) -> Alert {
        let rule = runtime.rule
        let labels = Self.fullLabels(rule: rule, instance: transition.labels)
        // Templates see the details too (`$labels.statement`); a real label of the same name wins.
        let templateLabels = labels.merging(runtime.details[transition.labels] ?? [:]) { label, _ in label }
        let context = AnnotationTemplate.Context(
            value: transition.value, threshold: rule.threshold, labels: templateLabels, pendingFor: rule.pendingFor)
        var annotations: [String: String] = [:]
        for (key, template) in rule.annotations { annotations[key] = AnnotationTemplate.render(template, context) }
        if transition.kind == .resolved {
            annotations = resolvedAnnotations(annotations, runtime, transition: transition, context: context, ruleRemoved: ruleRemoved)
        } else if transition.value == nil, let summary = rule.annotations["summary"] {
            // Firing (or pending) on no data (`no_data: alerting`): "no data for p95 of /x in the last 5 min", not
            // "p95 of /x is no data (threshold …)" — issue 15, the firing side of what resolved messages now say.
            // A query with no data at all has no labels to fill `$labels.…` with: the query names itself.
            let window = AlertDuration.humanize(rule.query.window)
            annotations["summary"] = transition.labels.isEmpty && summary.contains("$labels")
                ? (rule.query.expr.map { "no data for \($0) (\(rule.name))" }
                    ?? "no data for \(rule.query.stat) of \(rule.query.metric) (\(rule.name)) in the last \(window)")
                : AnnotationTemplate.resolvedSummary(
                    summary, context, .noData(window: rule.query.window), fallbackSubject: Self.subject(rule, transition.labels))
        }
        return Alert(
            status: transition.kind == .resolved ? .resolved : .firing,
            fingerprint: Self.fingerprint(group: group, labels: labels), ruleName: rule.name, groupName: group, labels: labels,
            annotations: annotations, startsAt: transition.firedAt ?? transition.activeAt, endsAt: transition.resolvedAt,
            value: transition.value, threshold: rule.threshold, generatorURL: generatorURL(rule.name),
            acknowledgement: runtime.acknowledgements[transition.labels])
    }

    /// A resolved alert's annotations: the summary says how it ended (`AnnotationTemplate.resolvedSummary`).
    /// Without a current value (data stopped, rule removed) the others stay as they were while it
    /// fired: rendered again they would say "no data" or show a value that no longer applies.
    private func resolvedAnnotations(
        _ rendered: [String: String], _ runtime: RuleRuntime, transition: AlertTransition, context: AnnotationTemplate.Context,
        ruleRemoved: Bool
    ) -> [String: String] {
        let rule = runtime.rule
        let resolution: AnnotationTemplate.Resolution
        if ruleRemoved {
            resolution = .ruleRemoved
        } else if let value = transition.value {
            resolution = .recovered(value)
        } else {
            resolution = .noData(window: rule.query.window)
        }
        var annotations = transition.value != nil && !ruleRemoved ? rendered : runtime.annotations[transition.labels] ?? rendered
        if let summary = rule.annotations["summary"] {
            annotations["summary"] = AnnotationTemplate.resolvedSummary(
                summary, context, resolution, fallbackSubject: Self.subject(rule, transition.labels))
        }
        return annotations
    }

    /// What a summary names when its template has no `… is {{ $value }}` subject: the rule and the instance.
    static func subject(_ rule: AlertRule, _ labels: [String: String]) -> String {
        rule.name + (labels.isEmpty ? "" : " " + labels.sortedDescription)
    }

    func historyEvent(_ kind: AlertHistoryEvent.Kind, alert: Alert, runtime: RuleRuntime, transition: AlertTransition, silenced: Bool) -> AlertHistoryEvent {
        AlertHistoryEvent(
            kind: kind, alertID: alert.fingerprint, ruleName: alert.ruleName, groupName: alert.groupName, labels: alert.labels,
            severity: runtime.rule.severity, message: alert.summary, annotations: alert.annotations, threshold: alert.threshold,
            value: transition.value, activeAt: transition.activeAt, firedAt: transition.firedAt, resolvedAt: transition.resolvedAt,
            acknowledgedBy: alert.acknowledgement?.by, acknowledgedAt: alert.acknowledgement?.at, at: transition.at, silenced: silenced)
    }

    /// Query labels, then rule labels (which win, as in Prometheus), then `alertname`.
    static func fullLabels(rule: AlertRule, instance: [String: String]) -> [String: String] {
        var labels = instance
        for (key, value) in rule.labels { labels[key] = value }
        labels["alertname"] = rule.name
        return labels
    }

    /// Fingerprint of the full labels plus the group, so equal rules in two groups differ.
    static func fingerprint(group: String, labels: [String: String]) -> String {
        var keyed = labels
        keyed["\u{0}group"] = group
        return AlertFingerprint.of(labels: keyed)
    }

    private func generatorURL(_ rule: String) -> String {
        let encoded = rule.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? rule
        return configuration.externalURL + "/alerts?rule=" + encoded
    }

    private func currentRuleErrors() -> [AlertSample] {
        groups.flatMap { group in
            group.rules.map { AlertSample(labels: ["group": group.definition.name, "rule": $0.rule.name], value: $0.status.health == .error ? 1 : 0) }
        }
    }

    struct QueryOutcome: Sendable {
        var result: Result<[AlertObservation], any Error>
        var durationMs: Double
    }

    /// Runs the queries of one round, `concurrency` at a time, off the actor.
    private static func query(
        _ queries: [AlertQuery], at now: Int64, source: any AlertDataSource, timeout: Duration, concurrency: Int, ruleErrors: [AlertSample]
    ) async -> [QueryOutcome] {
        var outcomes = [QueryOutcome?](repeating: nil, count: queries.count)
        await withTaskGroup(of: (Int, QueryOutcome).self) { tasks in
            var next = 0
            func startNext() {
                guard next < queries.count else { return }
                let index = next
                let query = queries[index]
                next += 1
                tasks.addTask {
                    let started = ContinuousClock.now
                    let result: Result<[AlertObservation], any Error>
                    do {
                        if query.metric == ruleErrorsMetric {
                            result = .success(InternalQueries.aggregate(ruleErrors, query: query))
                        } else {
                            result = .success(try await withDeadline(timeout, what: "query of \(query.metric)") {
                                try await observe(query, at: now, source: source)
                            })
                        }
                    } catch {
                        result = .failure(error)
                    }
                    let elapsed = ContinuousClock.now - started
                    return (index, QueryOutcome(result: result, durationMs: Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000))
                }
            }
            for _ in 0..<max(1, concurrency) { startNext() }
            for await (index, outcome) in tasks {
                outcomes[index] = outcome
                startNext()
            }
        }
        return outcomes.map { $0 ?? QueryOutcome(result: .success([]), durationMs: 0) }
    }

    /// One rule's observations; ratios divide per label set (`ratio_to`). A label set with a
    /// denominator but no numerator counts as 0 (no errors is a 0% error rate); a zero
    /// denominator is no data.
    static func observe(_ query: AlertQuery, at now: Int64, source: any AlertDataSource) async throws -> [AlertObservation] {
        let numerator = try await source.values(for: query.numeratorQuery, at: now)
        guard let denominatorQuery = query.denominatorQuery else {
            return numerator.map { AlertObservation(labels: $0.labels, value: $0.value, details: $0.details) }
        }
        let denominator = try await source.values(for: denominatorQuery, at: now)
        var numerators: [[String: String]: Double] = [:]
        for sample in numerator { if let value = sample.value { numerators[sample.labels] = value } }
        return denominator.map { sample in
            guard let total = sample.value, total > 0 else { return AlertObservation(labels: sample.labels, value: nil, details: sample.details) }
            return AlertObservation(labels: sample.labels, value: (numerators[sample.labels] ?? 0) / total, details: sample.details)
        }
    }
}

extension AlertQuery {
    /// Canonical bytes for identity across reloads.
    var jsonKey: [UInt8] {
        "\(metric)|\(stat)|\(by)|\(filters)|\(window.milliseconds)|\(ratioTo?.metric ?? "")|\(ratioTo?.stat ?? "")|\(expr ?? "")".utf8.map { $0 }
    }
}

/// Queries the evaluator answers itself.
enum InternalQueries {
    /// Sums the samples per `by` labels after applying the `where` filters.
    static func aggregate(_ samples: [AlertSample], query: AlertQuery) -> [AlertObservation] {
        let filters = query.parsedFilters
        var sums: [[String: String]: Double] = [:]
        for sample in samples {
            guard filters.allSatisfy({ (sample.labels[$0.key] ?? "" == $0.value) != $0.negated }) else { continue }
            var key: [String: String] = [:]
            for name in query.by { key[name] = sample.labels[name] ?? "" }
            sums[key, default: 0] += sample.value ?? 0
        }
        return sums.map { AlertObservation(labels: $0.key, value: $0.value) }
    }
}
