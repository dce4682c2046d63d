import Hummingbird
import PerfwatchModel
import PerfwatchStorage

extension RUMRoutes {
    /// Per journey type: the funnel (started, reached per step, completed, abandoned and where,
    /// failed with reasons), step timings, share completed within target and the bottleneck.
    func journeys(_ request: Request) async throws -> Response {
        let now = TimeParsing.nowMs()
        let (from, to) = try request.timeRange(nowMs: now)
        let rum = components.configuration.rum
        _ = try await components.rumStore.closeStaleJourneys(
            nowMs: now, multiple: rum.journeyTimeoutMultiple, defaultTargetMs: rum.defaultJourneyTargetMs)
        let all = try await components.rumStore.rumJourneys(from: from, to: to)
        let byType = Dictionary(grouping: all, by: \.type)
        var json = JSONText(capacity: 2048)
        json.raw("{\"from\":\(from),\"to\":\(to),\"journeys\":[")
        for (index, type) in byType.keys.sorted().enumerated() {
            let funnel = JourneyFunnel(type: type, journeys: byType[type] ?? [])
            if index > 0 { json.raw(",") }
            json.raw("{\"type\":")
            json.string(type)
            json.raw(",\"targetMs\":")
            optional(funnel.targetMs, &json)
            json.raw(",\"started\":\(funnel.started)")
            for state in RUMJourney.State.allCases { json.raw(",\"\(state.rawValue)\":\(funnel.counts[state] ?? 0)") }
            json.raw(",\"abandonedAtStart\":\(funnel.abandonedAtStart),\"completedWithinTarget\":")
            let completed = funnel.completedDurations.count
            optional(funnel.targetMs != nil && completed > 0 ? Double(funnel.completedWithinTarget) / Double(completed) : nil, &json)
            json.raw(",\"durationP50\":")
            optional(JourneyFunnel.percentile(funnel.completedDurations, 0.5), &json)
            json.raw(",\"durationP95\":")
            optional(JourneyFunnel.percentile(funnel.completedDurations, 0.95), &json)
            json.raw(",\"steps\":[")
            for (stepIndex, step) in funnel.steps.enumerated() {
                if stepIndex > 0 { json.raw(",") }
                json.raw("{\"name\":")
                json.string(step.name)
                json.raw(",\"reached\":\(step.reached),\"abandonedHere\":\(step.abandonedHere),\"p50\":")
                optional(JourneyFunnel.percentile(step.durations, 0.5), &json)
                json.raw(",\"p95\":")
                optional(JourneyFunnel.percentile(step.durations, 0.95), &json)
                json.raw("}")
            }
            json.raw("],\"bottleneck\":")
            if let bottleneck = funnel.bottleneck {
                json.raw("{\"step\":")
                json.string(bottleneck.step)
                json.raw(",\"reason\":")
                json.string(bottleneck.reason)
                json.raw(",\"detail\":")
                json.string(bottleneck.detail)
                json.raw("}")
            } else {
                json.raw("null")
            }
            json.raw(",\"failReasons\":[")
            for (reasonIndex, reason) in funnel.failReasons.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).enumerated() {
                if reasonIndex > 0 { json.raw(",") }
                json.raw("{\"reason\":")
                json.string(reason.key)
                json.raw(",\"count\":\(reason.value)}")
            }
            json.raw("]}")
        }
        json.raw("]}")
        return .json(json.text)
    }

    private func optional(_ value: Double?, _ json: inout JSONText) {
        if let value { json.number((value * 1000).rounded() / 1000) } else { json.raw("null") }
    }
}
