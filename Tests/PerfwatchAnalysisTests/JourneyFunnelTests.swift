import PerfwatchAnalysis
import PerfwatchModel
import Testing

@Suite struct JourneyFunnelTests {
    let context = RUMContext(page: "/", device: "desktop", release: "", pageViewID: "p", sessionID: "s", receivedMs: 0)

    func journey(
        _ id: String, _ state: RUMJourney.State, steps: [(String, Double)], durationMs: Int64? = nil, reason: String = "", targetMs: Double? = 5000
    ) -> RUMJourney {
        RUMJourney(
            id: id, type: "checkout", targetMs: targetMs, startMs: 1000, endMs: durationMs.map { 1000 + $0 }, state: state, reason: reason,
            steps: steps.map { RUMJourney.Step(name: $0.0, atMs: $0.1) }, context: context)
    }

    @Test func countsReachAbandonAndFailPerStepInReachOrder() throws {
        let funnel = JourneyFunnel(type: "checkout", journeys: [
            journey("1", .completed, steps: [("cart", 100), ("pay", 300), ("done", 400)], durationMs: 400),
            journey("2", .completed, steps: [("cart", 200), ("pay", 600), ("done", 700)], durationMs: 7000),
            journey("3", .abandoned, steps: [("cart", 100)]),
            journey("4", .abandoned, steps: []),
            journey("8", .abandoned, steps: [("cart", 100)]),
            journey("9", .abandoned, steps: [("cart", 100)]),
            journey("5", .failed, steps: [("cart", 50), ("pay", 90)], reason: "card declined"),
            journey("6", .failed, steps: [("cart", 50)], reason: ""),
            journey("7", .failed, steps: [("cart", 50)], reason: "card declined"),
        ])
        #expect(funnel.started == 9)
        #expect(funnel.counts[.completed] == 2 && funnel.counts[.abandoned] == 4 && funnel.counts[.failed] == 3 && funnel.counts[.open] == nil)
        #expect(funnel.steps.map(\.name) == ["cart", "pay", "done"])
        #expect(funnel.steps.map(\.reached) == [8, 3, 2])
        #expect(funnel.steps.map(\.abandonedHere) == [3, 0, 0])
        #expect(funnel.abandonedAtStart == 1)
        #expect(funnel.steps[1].durations == [200, 400, 40])
        #expect(funnel.steps[1].p50 == 200)
        #expect(funnel.targetMs == 5000)
        #expect(funnel.completedWithinTargetShare == 0.5)
        #expect(funnel.durationP50 == 3700)
        #expect(funnel.failReasonsByCount.map { $0.reason } == ["card declined", "(no reason)"])
        #expect(funnel.failReasonsByCount.map { $0.count } == [2, 1])
        // 5 of 8 journeys that put something in the cart did not reach "pay": a larger share than
        // the slowest step's (pay, 380 of 645 ms at p95).
        let bottleneck = try #require(funnel.bottleneck)
        #expect(bottleneck.step == "pay" && bottleneck.reason == "drop-off")
        #expect(bottleneck.detail == "5 of 8 journeys (63%) did not reach pay")
    }

    @Test func withoutTargetOrCompletionsThereIsNoShareAndNoDurations() {
        let funnel = JourneyFunnel(type: "signup", journeys: [journey("1", .open, steps: [("form", 10)], targetMs: nil)])
        #expect(funnel.targetMs == nil)
        #expect(funnel.completedWithinTargetShare == nil)
        #expect(funnel.durationP95 == nil)
        #expect(JourneyFunnel(type: "none", journeys: []).bottleneck == nil)
    }

    /// Issue 15 #12: every journey abandoned at its one step read "slowest step: browse takes 0 ms at p95".
    @Test func journeysAllAbandonedAtOneStepNameTheDropOff() throws {
        let funnel = JourneyFunnel(type: "shop", journeys: (1...5).map { journey("\($0)", .abandoned, steps: [("browse", 0.3)]) })
        let bottleneck = try #require(funnel.bottleneck)
        #expect(bottleneck.step == "browse" && bottleneck.reason == "drop-off")
        #expect(bottleneck.detail == "most journeys end at browse (5 of 5, 100%, abandon there)")
    }

    @Test func aLaterStepLosingMostJourneysBeatsTheSlowestStep() throws {
        // Everyone reaches "pay" after a slow "cart"; 3 of 4 abandon at "pay", the funnel's last step.
        let funnel = JourneyFunnel(type: "checkout", journeys: [
            journey("1", .abandoned, steps: [("cart", 2000), ("pay", 2100)]),
            journey("2", .abandoned, steps: [("cart", 2000), ("pay", 2100)]),
            journey("3", .abandoned, steps: [("cart", 2000), ("pay", 2100)]),
            journey("4", .completed, steps: [("cart", 2000), ("pay", 2100)], durationMs: 2200),
        ])
        let bottleneck = try #require(funnel.bottleneck)
        #expect(bottleneck.step == "pay" && bottleneck.reason == "drop-off")
        #expect(bottleneck.detail == "most journeys end at pay (3 of 4, 75%, abandon there)")
    }

    @Test func aStepUnderAMillisecondIsNeverTheSlowest() {
        let funnel = JourneyFunnel(type: "fast", journeys: (1...3).map {
            journey("\($0)", .completed, steps: [("a", 0.2), ("b", 0.4)], durationMs: 1)
        })
        #expect(funnel.bottleneck == nil)
    }

    @Test func aFewAbandonmentsAreNotCalledMost() throws {
        // 2 of 5 leave at "cart": a larger share than any step's third of the (even) step time.
        let completed = (3...5).map { journey("\($0)", .completed, steps: [("cart", 100), ("pay", 200), ("done", 300)], durationMs: 300) }
        let funnel = JourneyFunnel(type: "checkout", journeys: [
            journey("1", .abandoned, steps: [("cart", 100)]), journey("2", .abandoned, steps: [("cart", 100)]),
        ] + completed)
        let bottleneck = try #require(funnel.bottleneck)
        #expect(bottleneck.step == "cart" && bottleneck.reason == "drop-off")
        #expect(bottleneck.detail == "2 of 5 journeys (40%) that reached cart abandon there")
    }
}
