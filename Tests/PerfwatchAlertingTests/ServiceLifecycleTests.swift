import Logging
import PerfwatchAlerting
import PerfwatchAlertingTesting
import ServiceLifecycle
import Testing

/// Both services in one `ServiceGroup`, as the server runs them.
@Suite struct ServiceLifecycleTests {
    @Test func gracefulShutdownIsBoundedEvenWithAHangingChannel() async throws {
        let hanging = try await HTTPTestSink.start(behaviour: .hang)
        defer { Task { await hanging.stop() } }
        let data = InMemoryAlertDataSource()
        data.set("m", [(["route": "/a"], 10)])
        let configuration = AlertingConfiguration(
            channels: [NotificationChannel(name: "stuck", kind: .webhook, url: hanging.url, timeout: .seconds(30))],
            routes: [NotificationRoute(channels: ["stuck"])], delivery: DeliveryPolicy(maxAttempts: 5))
        let dispatcher = NotificationDispatcher(
            configuration: configuration, notifiers: NotificationDispatcher.makeNotifiers(for: configuration, inApp: nil),
            tick: .milliseconds(10), shutdownGrace: .milliseconds(200))
        let rule = AlertRule(name: "High", query: AlertQuery(metric: "m", stat: "avg", by: ["route"]), op: .greaterThan, threshold: 1)
        let evaluator = AlertEvaluator(groups: [AlertRuleGroup(name: "g", interval: .milliseconds(20), rules: [rule])], dataSource: data, dispatcher: dispatcher)
        let group = ServiceGroup(services: [evaluator, dispatcher], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        _ = await hanging.waitForRequests(1)
        #expect(await evaluator.alerts().count == 1)
        let stopping = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(ContinuousClock.now - stopping < .seconds(2), "shutdown waited for the grace period, not the 30 s timeout")
    }
}
