/// What the planner must remember across a restart: per notification group which alerts
/// were sent to which channels, when, which escalation steps ran, and acknowledgements — so
/// a restart neither re-announces a firing alert as new nor repeats an escalation.
public struct NotificationPlannerState: Sendable, Codable, Equatable {
    /// The routes the groups were built for; groups refer to routes by index, so after a
    /// route change they are dropped (as on a configuration reload).
    var routes: [NotificationRoute]
    var groups: [NotificationPlanner.Group]
    var acknowledgements: [String: Acknowledgement]

    public var groupCount: Int { groups.count }
}

extension NotificationPlanner {
    public func exportState() -> NotificationPlannerState {
        NotificationPlannerState(routes: routes, groups: groups.keys.sorted().compactMap { groups[$0] }, acknowledgements: acknowledgements)
    }

    /// Restores a snapshot taken by ``exportState()``; ignored when the routes changed since.
    /// Returns whether it was applied.
    @discardableResult
    public mutating func importState(_ state: NotificationPlannerState) -> Bool {
        guard state.routes == routes else { return false }
        for group in state.groups where group.routeIndex < routes.count { groups[group.key] = group }
        for (fingerprint, acknowledgement) in state.acknowledgements { acknowledgements[fingerprint] = acknowledgement }
        return true
    }
}

extension NotificationDispatcher {
    public func exportState() -> NotificationPlannerState { planner.exportState() }

    @discardableResult
    public func importState(_ state: NotificationPlannerState) -> Bool { planner.importState(state) }
}
