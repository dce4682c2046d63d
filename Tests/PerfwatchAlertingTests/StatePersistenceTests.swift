import Foundation
import PerfwatchAlerting
import PerfwatchAlertingTesting
import Testing

/// Snapshots of evaluator and planner state, encoded as JSON the way the server stores them,
/// restore into fresh instances: a restart continues where it left off.
@Suite struct StatePersistenceTests {
    let rule = AlertRule(
        name: "ApiLatencyHigh", query: AlertQuery(metric: "http.server.duration", stat: "p95", by: ["route"]), op: .greaterThan,
        threshold: 2000, pendingFor: .seconds(60), labels: ["severity": "critical"])

    func roundTrip<T: Codable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: try JSONEncoder().encode(value))
    }

    @Test func firingAndPendingInstancesWithAcknowledgementSurviveARestart() async throws {
        let clock = ManualAlertClock()
        let data = InMemoryAlertDataSource()
        let groups = [AlertRuleGroup(name: "api", rules: [rule])]
        let before = AlertEvaluator(groups: groups, dataSource: data, clock: clock)
        data.set("http.server.duration", [(["route": "/checkout"], 2400)])
        await before.evaluateAll()
        clock.advance(by: .seconds(60))
        data.set("http.server.duration", [(["route": "/checkout"], 2400), (["route": "/cart"], 2600)])
        await before.evaluateAll()
        let firing = try #require(await before.alerts(state: .firing).first)
        try await before.acknowledge(alertID: firing.id, by: "ana")
        let saved = try roundTrip(await before.exportState())
        #expect(saved.entries.count == 2)

        let history = InMemoryAlertHistory()
        let after = AlertEvaluator(groups: groups, dataSource: data, history: history, clock: clock)
        #expect(await after.importState(saved) == 2)
        let restored = await after.alerts()
        #expect(restored.first { $0.labels["route"] == "/checkout" }?.state == .firing)
        #expect(restored.first { $0.labels["route"] == "/checkout" }?.firedAt == firing.firedAt)
        #expect(restored.first { $0.labels["route"] == "/checkout" }?.acknowledgement?.by == "ana")
        let pending = try #require(restored.first { $0.labels["route"] == "/cart" })
        #expect(pending.state == .pending)
        // Still firing after the restart is not a new transition; the pending one keeps its `for` timer.
        clock.advance(by: .seconds(60))
        await after.evaluateAll()
        #expect(await history.events.map(\.kind) == [.firing])
        #expect(await history.events.first?.labels["route"] == "/cart")
    }

    @Test func stateOfAChangedRuleIsDropped() async throws {
        let data = InMemoryAlertDataSource()
        data.set("http.server.duration", [(["route": "/checkout"], 2400)])
        let before = AlertEvaluator(groups: [AlertRuleGroup(name: "api", rules: [rule])], dataSource: data, clock: ManualAlertClock())
        await before.evaluateAll()
        var changed = rule
        changed.query.window = .seconds(60)
        let after = AlertEvaluator(groups: [AlertRuleGroup(name: "api", rules: [changed])], dataSource: data, clock: ManualAlertClock())
        #expect(await after.importState(try roundTrip(await before.exportState())) == 0)
        #expect(await after.alerts().isEmpty)
    }

    func alert(startsAt: Int64 = 0) -> Alert {
        let labels = ["alertname": "ApiLatencyHigh", "route": "/checkout", "severity": "critical"]
        return Alert(
            status: .firing, fingerprint: AlertFingerprint.of(labels: labels), ruleName: "ApiLatencyHigh", groupName: "api", labels: labels,
            annotations: [:], startsAt: startsAt, value: 2400, threshold: 2000, generatorURL: "http://pw/alerts")
    }

    @Test func restoredPlannerNeitherReannouncesNorRepeatsEscalation() throws {
        let route = NotificationRoute(
            channels: ["pager"], groupInterval: .seconds(60), repeatInterval: .seconds(3600),
            escalate: [EscalationStep(after: .seconds(300), channels: ["manager"]), EscalationStep(after: .seconds(900), channels: ["director"])])
        var before = NotificationPlanner(routes: [route])
        before.receive(alert(), at: 0)
        #expect(before.due(at: 0).map(\.channel) == ["pager"])
        #expect(before.due(at: 300_000).map(\.channel) == ["manager"])
        let saved = try roundTrip(before.exportState())

        var after = NotificationPlanner(routes: [route])
        let applied = after.importState(saved)
        #expect(applied)
        after.receive(alert(), at: 310_000)
        #expect(after.due(at: 310_000).isEmpty, "a still-firing alert is not news after a restart")
        #expect(after.due(at: 900_000).map(\.channel) == ["director"], "the next escalation step, not the first again")

        // Without the snapshot the same alert would be announced again: the test can fail.
        var fresh = NotificationPlanner(routes: [route])
        fresh.receive(alert(), at: 310_000)
        #expect(fresh.due(at: 310_000).map(\.channel) == ["pager", "manager"])
    }

    @Test func plannerSnapshotForOtherRoutesIsIgnored() throws {
        var before = NotificationPlanner(routes: [NotificationRoute(channels: ["pager"])])
        before.receive(alert(), at: 0)
        _ = before.due(at: 0)
        var after = NotificationPlanner(routes: [NotificationRoute(channels: ["email"])])
        let applied = after.importState(try roundTrip(before.exportState()))
        #expect(!applied)
        #expect(after.groupCount == 0)
    }

    @Test func acknowledgementSurvivesInThePlanner() throws {
        let route = NotificationRoute(channels: ["pager"], escalate: [EscalationStep(after: .seconds(300), channels: ["manager"])])
        var before = NotificationPlanner(routes: [route])
        before.receive(alert(), at: 0)
        _ = before.due(at: 0)
        before.acknowledge(fingerprint: alert().fingerprint, Acknowledgement(by: "ana", at: 10_000))
        var after = NotificationPlanner(routes: [route])
        after.importState(try roundTrip(before.exportState()))
        after.receive(alert(), at: 20_000)
        #expect(after.due(at: 400_000).isEmpty, "acknowledged before the restart: no escalation after it")
    }
}
