import Hummingbird
import PerfwatchAnalysis
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
        let funnels = byType.keys.sorted().map { JourneysResponse.Funnel(JourneyFunnel(type: $0, journeys: byType[$0] ?? [])) }
        return try .json(JourneysResponse(from: from, to: to, journeys: funnels), capacity: 2048)
    }
}
