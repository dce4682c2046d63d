/// Dexter's rule over the hypothetical costs of one statement's candidates: the cheapest
/// candidate (a narrower index when it is within `nearTie` of the cheapest: smaller and cheaper
/// to keep up), suggested only when its cost is below `costRatio` × the cost without it. A
/// query already served by an index has no candidate cheap enough, so gets no suggestion.
enum IndexChoice {
    static let nearTie = 1.05

    static func choose(costBefore: Double, tried: [(index: IndexDefinition, cost: Double)], costRatio: Double) -> (
        index: IndexDefinition, cost: Double
    )? {
        guard let cheapest = tried.map(\.cost).min(), costBefore > 0 else { return nil }
        let pick = tried.filter { $0.cost <= cheapest * nearTie }.min {
            ($0.index.columns.count, $0.cost) < ($1.index.columns.count, $1.cost)
        }
        guard let pick, pick.cost < costRatio * costBefore else { return nil }
        return pick
    }
}
