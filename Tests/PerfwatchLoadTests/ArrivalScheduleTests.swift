import Testing

@testable import PerfwatchLoad

@Suite struct ArrivalScheduleTests {
    @Test func constantRateIsEvenlySpaced() throws {
        let schedule = ArrivalSchedule(phases: [Phase(name: "p", duration: .seconds(3), arrivalRate: 200)])
        #expect(schedule.expectedArrivals == 600)
        #expect(try #require(schedule.offset(ofArrival: 100)) == 0.5)
        #expect(try #require(schedule.offset(ofArrival: 599)) < 3)
        #expect(schedule.offset(ofArrival: 600) == nil)
    }

    @Test func rampFollowsTheIntegralOfTheRate() {
        // 0 → 100/s over 10 s: 500 arrivals, a quarter of them in the first half.
        let schedule = ArrivalSchedule(phases: [Phase(name: "ramp", duration: .seconds(10), arrivalRate: 0, rampTo: 100)])
        let offsets = (0..<1000).compactMap { schedule.offset(ofArrival: $0) }
        #expect(offsets.count == 500)
        #expect(abs(offsets.filter { $0 < 5 }.count - 125) <= 1)
        // The instantaneous rate near the end approaches 100/s.
        let last = offsets.suffix(11)
        #expect(abs(10 / (last.last! - last.first!) - 100) < 2)
    }

    @Test func phasesFollowEachOther() throws {
        let schedule = ArrivalSchedule(phases: [
            Phase(name: "a", duration: .seconds(2), arrivalRate: 10),
            Phase(name: "pause", duration: .seconds(1), arrivalRate: 0),
            Phase(name: "b", duration: .seconds(1), arrivalRate: 50),
        ])
        #expect(schedule.expectedArrivals == 70)
        #expect(try #require(schedule.offset(ofArrival: 19)) == 1.9)
        #expect(try #require(schedule.offset(ofArrival: 20)) == 3.0)
        #expect(try #require(schedule.offset(ofArrival: 45)) == 3.5)
    }
}
