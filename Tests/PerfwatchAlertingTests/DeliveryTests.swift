import Foundation
import PerfwatchAlerting
import PerfwatchAlertingTesting
import Testing

/// Retries, timeouts and channel independence in the dispatcher, against real sinks.
@Suite struct DeliveryTests {
    static let fastRetries = DeliveryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(100))

    @Test func sinkThatIsDownGetsRetriesWithBackoffInTheDeliveryLog() async throws {
        // A port nothing listens on: bind a sink, note its port, stop it.
        let gone = try await HTTPTestSink.start()
        let deadURL = gone.url
        await gone.stop()
        let configuration = AlertingConfiguration(
            channels: [NotificationChannel(name: "pager", kind: .webhook, url: deadURL, timeout: .seconds(1))],
            routes: [NotificationRoute(channels: ["pager"])], delivery: Self.fastRetries)
        let log = InMemoryDeliveryLog()
        let dispatcher = NotificationDispatcher(
            configuration: configuration, notifiers: NotificationDispatcher.makeNotifiers(for: configuration, inApp: nil), deliveryLog: log)
        let started = ContinuousClock.now
        await dispatcher.receive([checkoutAlert()])
        await dispatcher.waitForDeliveries()
        let attempts = await log.attempts
        #expect(attempts.map(\.attempt) == [1, 2, 3])
        #expect(attempts.map(\.outcome) == [.retrying, .retrying, .failed])
        #expect(attempts.map(\.retryInMs) == [20, 40, nil])
        #expect(attempts.allSatisfy { $0.channel == "pager" && $0.error?.contains("cannot connect") == true })
        #expect(attempts[1].at - attempts[0].at >= 20)
        #expect(ContinuousClock.now - started >= .milliseconds(60))
    }

    @Test func recoveredSinkGetsTheRetriedMessage() async throws {
        let sink = try await HTTPTestSink.start(behaviour: .respond(status: 503))
        defer { Task { await sink.stop() } }
        let configuration = AlertingConfiguration(
            channels: [NotificationChannel(name: "pager", kind: .webhook, url: sink.url)], routes: [NotificationRoute(channels: ["pager"])],
            delivery: DeliveryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(50)))
        let log = InMemoryDeliveryLog()
        let dispatcher = NotificationDispatcher(configuration: configuration, notifiers: NotificationDispatcher.makeNotifiers(for: configuration, inApp: nil), deliveryLog: log)
        await dispatcher.receive([checkoutAlert()])
        _ = await sink.waitForRequests(1)
        sink.setBehaviour(.respond(status: 200))
        await dispatcher.waitForDeliveries()
        let outcomes = await log.attempts.map(\.outcome)
        #expect(outcomes.last == .sent)
        #expect(outcomes.dropLast().allSatisfy { $0 == .retrying })
        #expect(await log.attempts.first?.error?.contains("HTTP 503") == true)
    }

    @Test func hangingChannelTimesOutRetriesAndDoesNotBlockOthers() async throws {
        let hanging = try await HTTPTestSink.start(behaviour: .hang)
        let healthy = try await HTTPTestSink.start()
        defer { Task { await hanging.stop(); await healthy.stop() } }
        let configuration = AlertingConfiguration(
            channels: [
                NotificationChannel(name: "stuck", kind: .webhook, url: hanging.url, timeout: .milliseconds(1500)),
                NotificationChannel(name: "fine", kind: .webhook, url: healthy.url, timeout: .seconds(2)),
            ],
            routes: [NotificationRoute(channels: ["stuck", "fine"])], delivery: DeliveryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(10)))
        let log = InMemoryDeliveryLog()
        let dispatcher = NotificationDispatcher(configuration: configuration, notifiers: NotificationDispatcher.makeNotifiers(for: configuration, inApp: nil), deliveryLog: log)
        let started = ContinuousClock.now
        await dispatcher.receive([checkoutAlert()])
        #expect(ContinuousClock.now - started < .milliseconds(200), "receive never waits for a send")
        let delivered = await healthy.waitForRequests(1, timeout: .seconds(2))
        #expect(delivered.count == 1)
        // A failed expectation, not a crash, when a loaded machine delivered nothing in time.
        let first = try #require(delivered.first)
        // Well before the stuck channel's 1.5 s timeout, with room for a loaded machine.
        #expect(first.receivedAt - started < .milliseconds(1000), "the healthy channel did not wait for the stuck one")
        await dispatcher.waitForDeliveries()
        let stuck = await log.attempts.filter { $0.channel == "stuck" }
        #expect(stuck.map(\.outcome) == [.retrying, .failed])
        #expect(stuck.allSatisfy { $0.error?.contains("within 1500ms") == true })
        #expect(hanging.requests.count == 2, "the hanging sink saw both attempts")
    }

    @Test func notifierThatIgnoresCancellationIsStillCutOff() async throws {
        struct Stuck: Notifier {
            func send(_ notification: AlertNotification) async throws {
                // Never returns, ignoring cancellation.
                await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
            }
        }
        let configuration = AlertingConfiguration(
            channels: [NotificationChannel(name: "inapp", kind: .inApp, timeout: .milliseconds(50))], routes: [NotificationRoute(channels: ["inapp"])],
            delivery: DeliveryPolicy(maxAttempts: 1))
        let log = InMemoryDeliveryLog()
        let dispatcher = NotificationDispatcher(configuration: configuration, notifiers: ["inapp": Stuck()], deliveryLog: log)
        await dispatcher.receive([checkoutAlert()])
        await dispatcher.waitForDeliveries()
        #expect(await log.attempts.map(\.outcome) == [.failed])
    }

    @Test func inAppSinkReceivesNotifications() async throws {
        actor Store: InAppAlertSink {
            var published: [AlertNotification] = []
            func publish(_ notification: AlertNotification) { published.append(notification) }
        }
        let store = Store()
        let configuration = AlertingConfiguration.default
        let dispatcher = NotificationDispatcher(configuration: configuration, notifiers: NotificationDispatcher.makeNotifiers(for: configuration, inApp: store))
        await dispatcher.receive([checkoutAlert(), checkoutAlert(route: "GET /cart")])
        await dispatcher.waitForDeliveries()
        let published = await store.published
        #expect(published.count == 1)
        #expect(published.first?.alerts.count == 2)
        #expect(published.first?.receiver == "dashboard")
    }

    @Test func manyGroupsToOneChannelAreQueuedNotDropped() async throws {
        let sink = try await HTTPTestSink.start()
        defer { Task { await sink.stop() } }
        let configuration = AlertingConfiguration(
            channels: [NotificationChannel(name: "pager", kind: .webhook, url: sink.url)],
            routes: [NotificationRoute(channels: ["pager"], groupBy: ["..."])], delivery: DeliveryPolicy(maxAttempts: 1))
        let log = InMemoryDeliveryLog()
        let dispatcher = NotificationDispatcher(
            configuration: configuration, notifiers: NotificationDispatcher.makeNotifiers(for: configuration, inApp: nil), deliveryLog: log,
            maxConcurrentPerChannel: 2)
        await dispatcher.receive((0..<40).map { checkoutAlert(route: "GET /r\($0)") })
        await dispatcher.waitForDeliveries()
        #expect(sink.requests.count == 40)
        #expect(await log.attempts.allSatisfy { $0.outcome == .sent })
    }
}
