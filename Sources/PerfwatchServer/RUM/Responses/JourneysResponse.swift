import PerfwatchAnalysis
import PerfwatchModel

/// `GET /api/v1/journeys`: one funnel per journey type, sorted by type. Durations and shares
/// are rounded to 3 decimals.
struct JourneysResponse: Encodable {
    let from: Int64
    let to: Int64
    let journeys: [Funnel]

    struct Funnel: Encodable {
        let type: String
        let targetMs: Double?
        let started: Int
        // One count per `RUMJourney.State`.
        let open: Int
        let completed: Int
        let failed: Int
        let abandoned: Int
        let abandonedAtStart: Int
        /// Share of completed journeys within the target.
        let completedWithinTarget: Double?
        let durationP50: Double?
        let durationP95: Double?
        let steps: [Step]
        let bottleneck: Bottleneck?
        let failReasons: [FailReason]

        init(_ funnel: JourneyFunnel) {
            type = funnel.type
            targetMs = rounded(funnel.targetMs)
            started = funnel.started
            open = funnel.counts[.open] ?? 0
            completed = funnel.counts[.completed] ?? 0
            failed = funnel.counts[.failed] ?? 0
            abandoned = funnel.counts[.abandoned] ?? 0
            abandonedAtStart = funnel.abandonedAtStart
            completedWithinTarget = rounded(funnel.completedWithinTargetShare)
            durationP50 = rounded(funnel.durationP50)
            durationP95 = rounded(funnel.durationP95)
            steps = funnel.steps.map {
                Step(name: $0.name, reached: $0.reached, abandonedHere: $0.abandonedHere, p50: rounded($0.p50), p95: rounded($0.p95))
            }
            bottleneck = funnel.bottleneck.map { Bottleneck(step: $0.step, reason: $0.reason, detail: $0.detail) }
            failReasons = funnel.failReasonsByCount.map { FailReason(reason: $0.reason, count: $0.count) }
        }
    }

    struct Step: Encodable {
        let name: String
        let reached: Int
        let abandonedHere: Int
        let p50: Double?
        let p95: Double?
    }

    struct Bottleneck: Encodable {
        let step: String
        let reason: String
        let detail: String
    }

    struct FailReason: Encodable {
        let reason: String
        let count: Int
    }
}

private func rounded(_ value: Double?) -> Double? {
    value.map { ($0 * 1000).rounded() / 1000 }
}
