/// Turns active health check results into `healthy`: `unhealthy_after` failures in a row
/// take an instance out, `healthy_after` passes in a row bring it back.
enum HealthRule {
    static func record(passed: Bool, on upstream: inout UpstreamState, health: EdgeConfiguration.Health) {
        if passed == upstream.healthy {
            upstream.healthStreak = 0
            return
        }
        upstream.healthStreak += 1
        let needed = passed ? health.healthyAfter : health.unhealthyAfter
        if upstream.healthStreak >= needed {
            upstream.healthy = passed
            upstream.healthStreak = 0
        }
    }
}
