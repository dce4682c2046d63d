import PerfwatchEdgePolicy

/// Takes one change back out of a policy without undoing what was published after it: only the
/// parts the change touched (its routes by `match`, compression, balancing, its weights' upstreams)
/// go back to what `previous` — the version the change replaced — said about them; a route the
/// change added is removed.
enum EdgePolicyRevert {
    static func reverting(_ change: EdgePolicyChange, in current: EdgePolicy, to previous: EdgePolicy) -> EdgePolicy {
        var policy = current
        for route in change.routes {
            let prior = previous.routes.first { $0.match == route.match }
            if let index = policy.routes.firstIndex(where: { $0.match == route.match }) {
                if let prior { policy.routes[index] = prior } else { policy.routes.remove(at: index) }
            } else if let prior {
                policy.routes.append(prior)
            }
        }
        if change.compression != nil { policy.compression = previous.compression }
        if change.balancing != nil { policy.balancing = previous.balancing }
        for upstream in (change.weights ?? [:]).keys { policy.weights[upstream] = previous.weights[upstream] }
        return policy
    }
}
