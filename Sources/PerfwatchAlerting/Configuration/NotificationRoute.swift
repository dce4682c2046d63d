/// Which alerts go to which channels, and how they are batched — Alertmanager's route,
/// flattened into an ordered list: the first route whose matchers all match takes an
/// alert; with `continue: true` the following routes are tried as well.
public struct NotificationRoute: Sendable, Hashable, Codable {
    /// All must match; an empty list matches every alert (a catch-all route).
    public var matchers: [LabelMatcher]
    public var channels: [String]
    /// Labels that split alerts into groups; one message per group. `["..."]` groups by
    /// all labels (one message per alert), `[]` puts every alert of the route in one group.
    public var groupBy: [String]
    /// How long a new group waits for more alerts before its first message.
    public var groupWait: Duration
    /// Minimum time between messages about a group whose alerts changed.
    public var groupInterval: Duration
    /// How often an unchanged, still-firing group is re-sent.
    public var repeatInterval: Duration
    public var continueMatching: Bool
    /// Sent to additional channels while a firing alert stays unacknowledged.
    public var escalate: [EscalationStep]

    /// Defaults follow Alertmanager except `groupWait`: 0 s, because the product promises
    /// a notification within one evaluation interval + 1 s of the threshold crossing, and
    /// instances that cross in the same evaluation round are grouped anyway.
    public init(
        matchers: [LabelMatcher] = [], channels: [String], groupBy: [String] = ["alertname"], groupWait: Duration = .zero,
        groupInterval: Duration = .seconds(300), repeatInterval: Duration = .seconds(4 * 3600), continueMatching: Bool = false,
        escalate: [EscalationStep] = []
    ) {
        self.matchers = matchers
        self.channels = channels
        self.groupBy = groupBy
        self.groupWait = groupWait
        self.groupInterval = groupInterval
        self.repeatInterval = repeatInterval
        self.continueMatching = continueMatching
        self.escalate = escalate
    }

    /// The group labels of an alert under this route.
    func groupLabels(of labels: [String: String]) -> [String: String] {
        if groupBy.contains("...") { return labels }
        var result: [String: String] = [:]
        for name in groupBy { if let value = labels[name] { result[name] = value } }
        return result
    }
}

/// One escalation step: `after` this long firing without acknowledgement, also notify
/// `channels`.
public struct EscalationStep: Sendable, Hashable, Codable {
    public var after: Duration
    public var channels: [String]
    public init(after: Duration, channels: [String]) {
        self.after = after
        self.channels = channels
    }
}
