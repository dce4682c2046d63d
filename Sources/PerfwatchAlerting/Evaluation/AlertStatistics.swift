/// Review statistics over alert history: alerts per rule, mean time to acknowledge and to
/// resolve. Pure, so the server can compute it over whatever range it loads from storage.
public struct AlertStatistics: Sendable, Codable, Hashable {
    public struct PerRule: Sendable, Codable, Hashable {
        public var groupName: String
        public var ruleName: String
        /// Episodes that fired in the range.
        public var fired: Int
        public var resolved: Int
        public var acknowledged: Int
        public var meanTimeToAcknowledgeMs: Double?
        public var meanTimeToResolveMs: Double?
    }

    public var rules: [PerRule]
    public var fired: Int
    public var meanTimeToAcknowledgeMs: Double?
    public var meanTimeToResolveMs: Double?

    /// Computes from history events. An episode is (alertID, firedAt); time to acknowledge
    /// and to resolve count from `firedAt`.
    public static func compute(_ events: [AlertHistoryEvent]) -> AlertStatistics {
        struct Episode {
            var group: String, rule: String
            var firedAt: Int64
            var acknowledgedAt: Int64?
            var resolvedAt: Int64?
        }
        var episodes: [String: Episode] = [:]
        for event in events {
            guard let firedAt = event.firedAt else { continue }
            let key = event.alertID + "@" + String(firedAt)
            var episode = episodes[key] ?? Episode(group: event.groupName, rule: event.ruleName, firedAt: firedAt)
            switch event.kind {
            case .acknowledged: episode.acknowledgedAt = episode.acknowledgedAt ?? event.acknowledgedAt ?? event.at
            case .resolved: episode.resolvedAt = event.resolvedAt ?? event.at
            case .firing, .pending, .cancelled: break
            }
            episodes[key] = episode
        }
        func mean(_ values: [Int64]) -> Double? { values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count) }
        var byRule: [String: [Episode]] = [:]
        for episode in episodes.values { byRule[episode.group + "\u{0}" + episode.rule, default: []].append(episode) }
        let rules = byRule.values.map { list -> PerRule in
            PerRule(
                groupName: list[0].group, ruleName: list[0].rule, fired: list.count, resolved: list.count { $0.resolvedAt != nil },
                acknowledged: list.count { $0.acknowledgedAt != nil },
                meanTimeToAcknowledgeMs: mean(list.compactMap { $0.acknowledgedAt.map { [firedAt = $0.firedAt] at in at - firedAt } }),
                meanTimeToResolveMs: mean(list.compactMap { $0.resolvedAt.map { [firedAt = $0.firedAt] at in at - firedAt } }))
        }.sorted { ($0.fired, $1.ruleName) > ($1.fired, $0.ruleName) }
        let all = Array(episodes.values)
        return AlertStatistics(
            rules: rules, fired: all.count,
            meanTimeToAcknowledgeMs: mean(all.compactMap { $0.acknowledgedAt.map { [firedAt = $0.firedAt] at in at - firedAt } }),
            meanTimeToResolveMs: mean(all.compactMap { $0.resolvedAt.map { [firedAt = $0.firedAt] at in at - firedAt } }))
    }
}
