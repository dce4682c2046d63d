/// Decides which messages go out when — routing, grouping, silences, repeats,
/// acknowledgement and escalation — as a pure value with injected time, so all of it is
/// tested without sockets or clocks. ``NotificationDispatcher`` owns one and does the I/O.
///
/// Grouping follows Alertmanager: the first message about a group waits `group_wait`;
/// later ones go out at most every `group_interval`, and only when the set of firing or
/// resolved alerts changed, or `repeat_interval` elapsed. A resolved alert is sent to every
/// channel that was told it fired (including escalation channels), then forgotten.
public struct NotificationPlanner: Sendable {
    /// A message to hand to one channel.
    public struct Delivery: Sendable, Hashable {
        public var channel: String
        public var notification: AlertNotification
    }

    struct TrackedAlert: Sendable, Codable, Equatable {
        var alert: Alert
        /// Channels that received this alert as firing; they get its resolution.
        var notifiedChannels: Set<String> = []
        var escalatedSteps: Set<Int> = []
    }

    struct Group: Sendable, Codable, Equatable {
        var routeIndex: Int
        var key: String
        var labels: [String: String]
        var alerts: [String: TrackedAlert] = [:]
        var nextFlushAt: Int64
        var lastSentAt: Int64?
        var lastSentFiring: Set<String> = []
    }

    public private(set) var routes: [NotificationRoute]
    public var externalURL: String
    public private(set) var silences: [Silence] = []
    var groups: [String: Group] = [:]
    var acknowledgements: [String: Acknowledgement] = [:]

    public init(routes: [NotificationRoute], externalURL: String = "") {
        self.routes = routes
        self.externalURL = externalURL
    }

    /// Replaces the routes (configuration reload). Groups of routes that no longer exist
    /// are dropped; firing alerts re-enter through the next evaluation.
    public mutating func updateRoutes(_ newRoutes: [NotificationRoute]) {
        if newRoutes != routes { groups.removeAll() }
        routes = newRoutes
    }

    /// Indices of the routes that take an alert: the first match, plus following matches
    /// while the matched route says `continue`.
    public func matchingRoutes(for labels: [String: String]) -> [Int] {
        var result: [Int] = []
        for (index, route) in routes.enumerated() where route.matchers.matches(labels) {
            result.append(index)
            if !route.continueMatching { break }
        }
        return result
    }

    // MARK: Input

    /// Takes the latest state of an alert from the evaluator (firing, still firing with a
    /// new value, or resolved).
    public mutating func receive(_ incoming: Alert, at now: Int64) {
        var alert = incoming
        alert.acknowledgement = acknowledgements[alert.fingerprint] ?? alert.acknowledgement
        for routeIndex in matchingRoutes(for: alert.labels) {
            let route = routes[routeIndex]
            let groupLabels = route.groupLabels(of: alert.labels)
            let key = "route\(routeIndex):" + groupLabels.sortedDescription
            if alert.status == .firing {
                if groups[key] == nil {
                    groups[key] = Group(routeIndex: routeIndex, key: key, labels: groupLabels, nextFlushAt: now + route.groupWait.milliseconds)
                }
                if var tracked = groups[key]?.alerts[alert.fingerprint] {
                    tracked.alert = alert
                    groups[key]?.alerts[alert.fingerprint] = tracked
                } else {
                    groups[key]?.alerts[alert.fingerprint] = TrackedAlert(alert: alert)
                }
            } else if var tracked = groups[key]?.alerts[alert.fingerprint] {
                tracked.alert = alert
                groups[key]?.alerts[alert.fingerprint] = tracked
            }
        }
        if alert.status == .resolved { acknowledgements[alert.fingerprint] = nil }
    }

    public mutating func addSilence(_ silence: Silence) {
        silences.removeAll { $0.id == silence.id }
        silences.append(silence)
    }

    /// Removes (expires) a silence; `false` when there was none with that id.
    @discardableResult
    public mutating func removeSilence(id: String) -> Bool {
        let before = silences.count
        silences.removeAll { $0.id == id }
        return silences.count != before
    }

    /// Whether an active silence covers these labels.
    public func isSilenced(_ labels: [String: String], at now: Int64) -> Bool {
        silences.contains { $0.silences(labels, at: now) }
    }

    /// Records an acknowledgement: stops escalation of that alert.
    public mutating func acknowledge(fingerprint: String, _ acknowledgement: Acknowledgement) {
        acknowledgements[fingerprint] = acknowledgement
        for key in groups.keys where groups[key]?.alerts[fingerprint] != nil {
            groups[key]?.alerts[fingerprint]?.alert.acknowledgement = acknowledgement
        }
    }

    // MARK: Output

    /// Everything due at `now`; call after ``receive(_:at:)`` and on a timer.
    public mutating func due(at now: Int64) -> [Delivery] {
        silences.removeAll { $0.endsAt <= now }
        var deliveries: [Delivery] = []
        for key in groups.keys.sorted() {
            guard var group = groups[key] else { continue }
            let route = routes[group.routeIndex]
            if now >= group.nextFlushAt { flush(&group, route: route, at: now, into: &deliveries) }
            escalate(&group, route: route, at: now, into: &deliveries)
            groups[key] = group.alerts.isEmpty ? nil : group
        }
        return deliveries
    }

    /// Number of groups and tracked alerts, for tests and self-metrics.
    public var groupCount: Int { groups.count }

    private func flush(_ group: inout Group, route: NotificationRoute, at now: Int64, into deliveries: inout [Delivery]) {
        let firing = group.alerts.values.filter { $0.alert.status == .firing && !isSilenced($0.alert.labels, at: now) }
        // Only resolutions of alerts somebody was told about are news.
        let resolved = group.alerts.values.filter { $0.alert.status == .resolved && !$0.notifiedChannels.isEmpty }
        let firingSet = Set(firing.map(\.alert.fingerprint))
        let changed = firingSet != group.lastSentFiring || !resolved.isEmpty
        let repeatDue = !firing.isEmpty && group.lastSentAt.map { now - $0 >= route.repeatInterval.milliseconds } ?? false
        if changed || repeatDue {
            if !firing.isEmpty || !resolved.isEmpty {
                let alerts = (firing + resolved).map(\.alert).sorted(by: Self.order)
                for channel in route.channels {
                    deliveries.append(Delivery(channel: channel, notification: AlertNotification(
                        receiver: channel, groupKey: group.key, groupLabels: group.labels, externalURL: externalURL,
                        alerts: alerts, reason: changed ? .update : .repeat)))
                }
                // Escalation channels that were told about an alert hear that it resolved.
                var extra: [String: [Alert]] = [:]
                for tracked in resolved {
                    for channel in tracked.notifiedChannels where !route.channels.contains(channel) {
                        extra[channel, default: []].append(tracked.alert)
                    }
                }
                for (channel, alerts) in extra.sorted(by: { $0.key < $1.key }) {
                    deliveries.append(Delivery(channel: channel, notification: AlertNotification(
                        receiver: channel, groupKey: group.key, groupLabels: group.labels, externalURL: externalURL,
                        alerts: alerts.sorted(by: Self.order), reason: .update)))
                }
                group.lastSentAt = now
                group.nextFlushAt = now + route.groupInterval.milliseconds
            }
            for tracked in firing { group.alerts[tracked.alert.fingerprint]?.notifiedChannels.formUnion(route.channels) }
            group.lastSentFiring = firingSet
        }
        // Resolved alerts have been reported (or never were worth reporting): forget them.
        for (fingerprint, tracked) in group.alerts where tracked.alert.status == .resolved {
            group.alerts[fingerprint] = nil
        }
    }

    private func escalate(_ group: inout Group, route: NotificationRoute, at now: Int64, into deliveries: inout [Delivery]) {
        for (step, escalation) in route.escalate.enumerated() {
            let due = group.alerts.values.filter { tracked in
                tracked.alert.status == .firing && tracked.alert.acknowledgement == nil && !tracked.notifiedChannels.isEmpty
                    && !tracked.escalatedSteps.contains(step) && now - tracked.alert.startsAt >= escalation.after.milliseconds
                    && !isSilenced(tracked.alert.labels, at: now)
            }
            guard !due.isEmpty else { continue }
            let alerts = due.map(\.alert).sorted(by: Self.order)
            for channel in escalation.channels {
                deliveries.append(Delivery(channel: channel, notification: AlertNotification(
                    receiver: channel, groupKey: group.key, groupLabels: group.labels, externalURL: externalURL,
                    alerts: alerts, reason: .escalation, escalationStep: step)))
            }
            for tracked in due {
                group.alerts[tracked.alert.fingerprint]?.escalatedSteps.insert(step)
                group.alerts[tracked.alert.fingerprint]?.notifiedChannels.formUnion(escalation.channels)
            }
        }
    }

    private static func order(_ lhs: Alert, _ rhs: Alert) -> Bool {
        if lhs.status != rhs.status { return lhs.status == .firing }
        return lhs.labels.sortedDescription < rhs.labels.sortedDescription
    }
}
