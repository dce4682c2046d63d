import PerfwatchAlerting
import Testing

/// The pure state machine, driven with plain numbers: one evaluation every 15 s.
@Suite struct StateMachineTests {
    let route = ["route": "GET /checkout"]
    let step: Int64 = 15_000
    func observe(_ value: Double?) -> [AlertObservation] { [AlertObservation(labels: route, value: value)] }
    func above2s(_ value: Double) -> Bool { value > 2000 }

    @Test func becomesPendingThenFiresAfterFor() {
        var machine = AlertStateMachine(pendingFor: .seconds(60))
        #expect(machine.evaluate(observe(2400), at: 0, condition: above2s).map(\.kind) == [.becamePending])
        #expect(machine.evaluate(observe(2500), at: 45_000, condition: above2s).map(\.kind) == [.stillPending])
        let fired = machine.evaluate(observe(2600), at: 60_000, condition: above2s)
        #expect(fired.map(\.kind) == [.becameFiring])
        #expect(fired.first?.activeAt == 0)
        #expect(fired.first?.firedAt == 60_000)
        #expect(fired.first?.value == 2600)
        #expect(machine.instances[route]?.state == .firing)
        #expect(machine.evaluate(observe(2600), at: 75_000, condition: above2s).map(\.kind) == [.stillFiring])
    }

    @Test func firesImmediatelyWithoutFor() {
        var machine = AlertStateMachine()
        #expect(machine.evaluate(observe(2100), at: 0, condition: above2s).map(\.kind) == [.becameFiring])
    }

    @Test func shortBreachIsCancelledWithoutFiring() {
        var machine = AlertStateMachine(pendingFor: .seconds(60))
        _ = machine.evaluate(observe(2400), at: 0, condition: above2s)
        #expect(machine.evaluate(observe(900), at: step, condition: above2s).map(\.kind) == [.pendingCancelled])
        #expect(machine.instances.isEmpty)
        // A new breach starts the wait from scratch.
        _ = machine.evaluate(observe(2400), at: 2 * step, condition: above2s)
        #expect(machine.evaluate(observe(2400), at: 2 * step + 59_000, condition: above2s).map(\.kind) == [.stillPending])
    }

    @Test func resolvesWhenConditionStops() {
        var machine = AlertStateMachine()
        _ = machine.evaluate(observe(2400), at: 0, condition: above2s)
        let resolved = machine.evaluate(observe(1500), at: step, condition: above2s)
        #expect(resolved.map(\.kind) == [.resolved])
        #expect(resolved.first?.resolvedAt == step)
        #expect(resolved.first?.firedAt == 0)
        #expect(machine.instances.isEmpty)
    }

    @Test func keepFiringForSuppressesFlapping() {
        var machine = AlertStateMachine(keepFiringFor: .seconds(60))
        _ = machine.evaluate(observe(2400), at: 0, condition: above2s)
        // Dips below for 45 s: still firing, flagged as kept.
        for t in 1...3 {
            let result = machine.evaluate(observe(1000), at: Int64(t) * step, condition: above2s)
            #expect(result.map(\.kind) == [.stillFiring])
            #expect(result.first?.keptFiring == true)
        }
        // Back above: firing continues, same episode (firedAt unchanged).
        let back = machine.evaluate(observe(2400), at: 4 * step, condition: above2s)
        #expect(back.map(\.kind) == [.stillFiring])
        #expect(back.first?.firedAt == 0)
        #expect(back.first?.keptFiring == false)
        // Recovered for a full keep_firing_for: resolves.
        #expect(machine.evaluate(observe(1000), at: 5 * step, condition: above2s).map(\.kind) == [.stillFiring])
        #expect(machine.evaluate(observe(1000), at: 4 * step + 60_000, condition: above2s).map(\.kind) == [.resolved])
    }

    @Test func withoutKeepFiringForFlappingResolvesAndRefires() {
        var machine = AlertStateMachine()
        _ = machine.evaluate(observe(2400), at: 0, condition: above2s)
        #expect(machine.evaluate(observe(1000), at: step, condition: above2s).map(\.kind) == [.resolved])
        #expect(machine.evaluate(observe(2400), at: 2 * step, condition: above2s).map(\.kind) == [.becameFiring])
    }

    @Test func noDataOkResolvesAndStaysQuiet() {
        var machine = AlertStateMachine(noData: .ok)
        #expect(machine.evaluate([], at: 0, condition: above2s).isEmpty)
        _ = machine.evaluate(observe(2400), at: step, condition: above2s)
        #expect(machine.evaluate([], at: 2 * step, condition: above2s).map(\.kind) == [.resolved])
        // A label set reporting no value also counts as recovered.
        _ = machine.evaluate(observe(2400), at: 3 * step, condition: above2s)
        #expect(machine.evaluate(observe(nil), at: 4 * step, condition: above2s).map(\.kind) == [.resolved])
    }

    @Test func noDataAlertingFiresOnMissingData() {
        var machine = AlertStateMachine(pendingFor: .seconds(30), noData: .alerting)
        let first = machine.evaluate([], at: 0, condition: above2s)
        #expect(first.map(\.kind) == [.becamePending])
        #expect(first.first?.labels == [:])
        #expect(first.first?.value == nil)
        #expect(machine.evaluate([], at: 30_000, condition: above2s).map(\.kind) == [.becameFiring])
        // Data returns and is fine: the no-data instance resolves.
        let back = machine.evaluate(observe(100), at: 45_000, condition: above2s)
        #expect(back.map(\.kind) == [.resolved])
        #expect(back.first?.labels == [:])
    }

    @Test func noDataKeepHoldsStateUntilDataReturns() {
        var machine = AlertStateMachine(noData: .keep)
        _ = machine.evaluate(observe(2400), at: 0, condition: above2s)
        #expect(machine.evaluate([], at: step, condition: above2s).isEmpty)
        #expect(machine.evaluate(observe(nil), at: 2 * step, condition: above2s).isEmpty)
        #expect(machine.instances[route]?.state == .firing)
        #expect(machine.instances[route]?.lastEvaluatedAt == 2 * step)
        #expect(machine.evaluate(observe(1000), at: 3 * step, condition: above2s).map(\.kind) == [.resolved])
    }

    @Test func instancesAreIndependentAndVanishedSeriesResolve() {
        var machine = AlertStateMachine()
        let a = ["route": "/a"], b = ["route": "/b"]
        let first = machine.evaluate([AlertObservation(labels: a, value: 3000), AlertObservation(labels: b, value: 10)], at: 0, condition: above2s)
        #expect(first.map(\.labels) == [a])
        let second = machine.evaluate([AlertObservation(labels: b, value: 2500)], at: step, condition: above2s)
        #expect(Set(second.map(\.kind)) == [.resolved, .becameFiring])
        #expect(second.first { $0.kind == .resolved }?.labels == a)
        #expect(machine.instances.keys.map { $0 } == [b])
    }

    @Test(arguments: [
        (ComparisonOperator.greaterThan, 2.0, [false, false, true]),
        (.greaterOrEqual, 2.0, [false, true, true]),
        (.lessThan, 2.0, [true, false, false]),
        (.lessOrEqual, 2.0, [true, true, false]),
        (.equal, 2.0, [false, true, false]),
        (.notEqual, 2.0, [true, false, true]),
    ])
    func operators(op: ComparisonOperator, threshold: Double, expected: [Bool]) {
        #expect([1.0, 2.0, 3.0].map { op.holds($0, threshold) } == expected)
    }

    @Test func restoreKeepsTimersAcrossReload() {
        var machine = AlertStateMachine(pendingFor: .seconds(60))
        _ = machine.evaluate(observe(2400), at: 0, condition: above2s)
        var reloaded = AlertStateMachine(pendingFor: .seconds(60))
        reloaded.restore(machine.instances)
        #expect(reloaded.evaluate(observe(2400), at: 60_000, condition: above2s).map(\.kind) == [.becameFiring])
    }
}
