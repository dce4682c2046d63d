/// Where an alert instance is in its life.
public enum AlertState: String, Sendable, Codable, CaseIterable {
    /// The condition does not hold (instances in this state are not kept).
    case inactive
    /// The condition holds, for less than the rule's `for`.
    case pending
    /// The condition held for `for`; notifications go out.
    case firing
    /// Was firing and recovered; the terminal state of one alert episode.
    case resolved
}

/// What one evaluation did to one instance: the value the evaluator records in history
/// and hands to the notification dispatcher.
public struct AlertTransition: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// inactive → pending.
        case becamePending
        /// pending → pending (condition still holds, `for` not yet elapsed).
        case stillPending
        /// pending → inactive: recovered before `for` elapsed; nobody was told.
        case pendingCancelled
        /// inactive/pending → firing.
        case becameFiring
        /// firing → firing; `keptFiring` says the condition no longer holds but
        /// `keep_firing_for` has not elapsed.
        case stillFiring
        /// firing → resolved.
        case resolved
    }

    public var kind: Kind
    /// The instance's labels (the query's group-by labels).
    public var labels: [String: String]
    /// The value of this evaluation; `nil` when the query had no data.
    public var value: Double?
    /// When the condition started holding (start of pending).
    public var activeAt: Int64
    /// When the instance started firing.
    public var firedAt: Int64?
    /// When it resolved.
    public var resolvedAt: Int64?
    /// Evaluation time.
    public var at: Int64
    /// Firing only because of `keep_firing_for`.
    public var keptFiring: Bool

    /// The state after this transition.
    public var state: AlertState {
        switch kind {
        case .becamePending, .stillPending: .pending
        case .pendingCancelled: .inactive
        case .becameFiring, .stillFiring: .firing
        case .resolved: .resolved
        }
    }

    /// Whether this changes what users were told (history and notifications care; the
    /// repeated `still…` kinds only refresh values).
    public var isChange: Bool { kind != .stillFiring && kind != .stillPending }
}

/// One instance's result of a query: its labels and value (`nil` = no data), and
/// whether the rule's condition holds on it.
public struct AlertObservation: Sendable, Hashable {
    public var labels: [String: String]
    public var value: Double?
    /// The sample's ``AlertSample/details``: for messages, not for the state machine.
    public var details: [String: String]
    public init(labels: [String: String], value: Double?, details: [String: String] = [:]) {
        self.labels = labels
        self.value = value
        self.details = details
    }
}
