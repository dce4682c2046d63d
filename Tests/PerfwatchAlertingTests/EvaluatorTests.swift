import Foundation
import PerfwatchAlerting
import PerfwatchAlertingTesting
import Testing

@Suite struct EvaluatorTests {
    func latencyRule(for pendingFor: Duration = .zero, name: String = "ApiLatencyHigh", metric: String = "http.server.duration") -> AlertRule {
        AlertRule(
            name: name, query: AlertQuery(metric: metric, stat: "p95", by: ["route"]), op: .greaterThan, threshold: 2000,
            pendingFor: pendingFor, labels: ["severity": "critical"],
            annotations: ["summary": "p95 of {{ $labels.route }} is {{ $value | ms }} (threshold {{ $threshold | ms }}) for {{ $for }}"])
    }

    /// A dispatcher that sends every alert to `pager` at once, one notification per route.
    func pagerByRoute(_ pager: RecordingNotifier, clock: ManualAlertClock) -> NotificationDispatcher {
        let configuration = AlertingConfiguration(
            channels: [NotificationChannel(name: "pager", kind: .webhook, url: "http://x/")],
            routes: [NotificationRoute(channels: ["pager"], groupBy: ["route"], groupInterval: .zero)])
        return NotificationDispatcher(configuration: configuration, notifiers: ["pager": pager], clock: clock)
    }

    func group(_ rules: AlertRule..., interval: Duration = .seconds(15)) -> [AlertRuleGroup] {
        [AlertRuleGroup(name: "api", interval: interval, rules: rules)]
    }

    @Test func pendingThenFiringThenResolvedIsRecordedWithTheMessage() async throws {
        let clock = ManualAlertClock()
        let data = InMemoryAlertDataSource()
        let history = InMemoryAlertHistory()
        let evaluator = AlertEvaluator(groups: group(latencyRule(for: .seconds(60))), dataSource: data, history: history, clock: clock)
        data.set("http.server.duration", [(["route": "GET /checkout"], 2400)])
        await evaluator.evaluateAll()
        #expect(await evaluator.alerts().map(\.state) == [.pending])
        clock.advance(by: .seconds(60))
        await evaluator.evaluateAll()
        let firing = try #require(await evaluator.alerts().first)
        #expect(firing.state == .firing)
        #expect(firing.annotations["summary"] == "p95 of GET /checkout is 2.4 s (threshold 2 s) for 1 min")
        #expect(firing.labels == ["alertname": "ApiLatencyHigh", "route": "GET /checkout", "severity": "critical"])
        #expect(firing.firedAt == clock.now())
        clock.advance(by: .seconds(15))
        data.set("http.server.duration", [(["route": "GET /checkout"], 300)])
        await evaluator.evaluateAll()
        #expect(await evaluator.alerts().isEmpty)
        let events = await history.events
        #expect(events.map(\.kind) == [.pending, .firing, .resolved])
        #expect(events[1].message == "p95 of GET /checkout is 2.4 s (threshold 2 s) for 1 min")
        #expect(events[1].severity == "critical")
        #expect(events[1].threshold == 2000)
        #expect(events[1].value == 2400)
        #expect(events[2].resolvedAt == clock.now())
        #expect(events[2].message == "p95 of GET /checkout is back to 300 ms (threshold 2 s)")
        #expect(Set(events.map(\.alertID)).count == 1)
    }

    /// Issue 15, the firing side: under `no_data: alerting` an instance whose data stopped fires saying so, not
    /// "p95 of /gone is no data (threshold 2 s) for 0 s".
    @Test func firingOnNoDataSaysNoData() async throws {
        let clock = ManualAlertClock()
        let data = InMemoryAlertDataSource()
        let pager = RecordingNotifier()
        let dispatcher = pagerByRoute(pager, clock: clock)
        var rule = latencyRule()
        rule.noData = .alerting
        var cpu = AlertRule(
            name: "HostCpuHigh", query: AlertQuery(metric: "system.cpu.percent", stat: "avg", window: .seconds(600)), op: .greaterThan,
            threshold: 70, noData: .alerting, annotations: ["summary": "CPU utilization is {{ $value }}% (threshold {{ $threshold }}%) for {{ $for }}"])
        cpu.pendingFor = .zero
        let evaluator = AlertEvaluator(groups: group(rule, cpu), dataSource: data, dispatcher: dispatcher, clock: clock)
        // Neither query returns anything: both fire on no data.
        await evaluator.evaluateAll()
        await dispatcher.waitForDeliveries()
        let firing = Set(pager.sent.flatMap(\.alerts).filter { $0.status == .firing }.map(\.summary))
        #expect(firing == [
            "no data for p95 of http.server.duration (ApiLatencyHigh) in the last 5 min", "no data for CPU utilization in the last 10 min",
        ])
        #expect(!pager.sent.map(\.title).contains { $0.contains("is no data") })
    }

    /// Issue 15: "RESOLVED: p95 of /slow is no data (threshold 100 ms) for 10 s". A resolved
    /// message says what the value came back to, that data stopped, or that the rule went away.
    @Test func resolvedMessagesSayHowTheAlertEnded() async throws {
        let clock = ManualAlertClock()
        let data = InMemoryAlertDataSource()
        let pager = RecordingNotifier()
        let dispatcher = pagerByRoute(pager, clock: clock)
        var cpu = AlertRule(
            name: "HostCpuHigh", query: AlertQuery(metric: "system.cpu.percent", stat: "avg", window: .seconds(600)), op: .greaterThan,
            threshold: 70, annotations: ["summary": "CPU utilization is {{ $value }}% (threshold {{ $threshold }}%) for {{ $for }}"])
        cpu.pendingFor = .zero
        var rejections = AlertRule(
            name: "IngestRejections", query: AlertQuery(metric: "perfwatch.ingest.rejected", stat: "rate"), op: .greaterThan,
            threshold: 0, annotations: ["summary": "Perfwatch rejected {{ $value }} items/s"])
        rejections.pendingFor = .zero
        let evaluator = AlertEvaluator(
            groups: group(latencyRule(), cpu, rejections), dataSource: data, dispatcher: dispatcher, clock: clock)
        data.set("http.server.duration", [(["route": "/slow"], 2500), (["route": "/gone"], 3000)])
        data.set("system.cpu.percent", [([:], 93)])
        data.set("perfwatch.ingest.rejected", [([:], 4)])
        await evaluator.evaluateAll()
        await dispatcher.waitForDeliveries()
        clock.advance(by: .seconds(15))
        // /slow recovers, /gone stops sending (absent from a non-empty result), CPU and
        // rejections recover: the first two through the value's format and unit.
        data.set("http.server.duration", [(["route": "/slow"], 42)])
        data.set("system.cpu.percent", [([:], 41.5)])
        data.set("perfwatch.ingest.rejected", [([:], 0)])
        await evaluator.evaluateAll()
        await dispatcher.waitForDeliveries()
        let resolved = pager.sent.flatMap(\.alerts).filter { $0.status == .resolved }
        let summaries = Dictionary(resolved.map { ($0.ruleName + ($0.labels["route"] ?? ""), $0.summary) }, uniquingKeysWith: { $1 })
        #expect(summaries == [
            "ApiLatencyHigh/slow": "p95 of /slow is back to 42 ms (threshold 2 s)",
            "ApiLatencyHigh/gone": "no data for p95 of /gone in the last 5 min",
            "HostCpuHigh": "CPU utilization is back to 41.5% (threshold 70%)",
            "IngestRejections": "Perfwatch rejected 0 items/s",
        ])
        let titles = pager.sent.filter { $0.status == .resolved }.map(\.title)
        #expect(titles.contains("RESOLVED: p95 of /slow is back to 42 ms (threshold 2 s)"))
        #expect(!titles.contains { $0.contains("is no data") })

        // Data of a whole rule stops; then a rule is removed while firing.
        data.set("http.server.duration", [(["route": "/slow"], 2500)])
        data.set("perfwatch.ingest.rejected", [([:], 4)])
        clock.advance(by: .seconds(15))
        await evaluator.evaluateAll()
        await dispatcher.waitForDeliveries()
        data.set("perfwatch.ingest.rejected", [] as [AlertSample])
        clock.advance(by: .seconds(15))
        await evaluator.evaluateAll()
        await evaluator.replaceRules(group(cpu))
        await dispatcher.waitForDeliveries()
        let later = pager.sent.flatMap(\.alerts).filter { $0.status == .resolved }.dropFirst(resolved.count).map(\.summary)
        #expect(Set(later) == [
            "p95 of /slow: no longer evaluated (rule removed or changed)",
            "IngestRejections: no data in the last 5 min",
        ])
    }

    @Test func failingRuleIsMarkedAndOthersStillRun() async throws {
        let data = InMemoryAlertDataSource()
        data.fail("db.query.duration", with: "storage unavailable")
        data.set("http.server.duration", [(["route": "/a"], 5000)])
        let evaluator = AlertEvaluator(
            groups: group(latencyRule(name: "Db", metric: "db.query.duration"), latencyRule()), dataSource: data, clock: ManualAlertClock())
        await evaluator.evaluateAll()
        let statuses = await evaluator.ruleStatuses()
        #expect(statuses.map(\.health) == [.error, .ok])
        #expect(statuses[0].lastError == "storage unavailable")
        #expect(statuses[0].lastEvaluatedAt != nil)
        #expect(statuses[1].firingCount == 1)
        #expect(await evaluator.alerts().map(\.ruleName) == ["ApiLatencyHigh"])
    }

    @Test func hangingQueryTimesOutWithoutHoldingUpOtherRules() async throws {
        let data = InMemoryAlertDataSource()
        data.hang("db.query.duration")
        data.set("http.server.duration", [(["route": "/a"], 5000)])
        let evaluator = AlertEvaluator(
            groups: group(latencyRule(name: "Db", metric: "db.query.duration"), latencyRule()), dataSource: data, clock: ManualAlertClock(),
            configuration: AlertEvaluatorConfiguration(queryTimeout: .milliseconds(100)))
        let started = ContinuousClock.now
        await evaluator.evaluateAll()
        // The hanging query never returns: finishing at all shows the timeout; the bound leaves
        // room for a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(3))
        let statuses = await evaluator.ruleStatuses()
        #expect(statuses[0].health == .error)
        #expect(statuses[0].lastError?.contains("did not finish within 100ms") == true)
        #expect(statuses[1].firingCount == 1)
    }

    @Test func unknownMetricIsNoDataAndQuiet() async {
        let evaluator = AlertEvaluator(groups: group(latencyRule(metric: "nobody.sends.this")), dataSource: InMemoryAlertDataSource(), clock: ManualAlertClock())
        await evaluator.evaluateAll()
        #expect(await evaluator.ruleStatuses().first?.health == .noData)
        #expect(await evaluator.alerts().isEmpty)
    }

    @Test func errorRateIsARatioOfTwoMetrics() async throws {
        let data = InMemoryAlertDataSource()
        data.set("http.server.errors", [(["route": "/a"], 12), (["route": "/b"], 1)])
        data.set("http.server.duration", [(["route": "/a"], 100), (["route": "/b"], 100), (["route": "/c"], 50), (["route": "/idle"], 0)])
        let rule = try #require(DefaultAlertRules.groups.flatMap(\.rules).first { $0.name == "ErrorRateHigh" })
        var immediate = rule
        immediate.pendingFor = .zero
        immediate.query.by = ["route"]
        let evaluator = AlertEvaluator(groups: group(immediate), dataSource: data, clock: ManualAlertClock())
        await evaluator.evaluateAll()
        let alerts = await evaluator.alerts()
        #expect(alerts.map { $0.labels["route"] } == ["/a"])
        #expect(alerts.first?.value == 0.12)
        #expect(alerts.first?.annotations["summary"] == "error rate of /a is 12% (threshold 5%) for 0 s")
        let queried = Set(data.queries.map(\.metric))
        #expect(queried == ["http.server.errors", "http.server.duration"])
        #expect(data.queries.allSatisfy { $0.ratioTo == nil })
    }

    /// Issue 15: "p95 of query dba6e73f38fe9967" named a hash. The data source's details give the
    /// statement to the message; the fingerprint stays a label (and is in the description).
    @Test func dbQueryMessagesNameTheStatementNotItsHash() async throws {
        let clock = ManualAlertClock()
        let data = InMemoryAlertDataSource()
        let history = InMemoryAlertHistory()
        var rule = try #require(DefaultAlertRules.groups.flatMap(\.rules).first { $0.name == "DbQuerySlow" })
        rule.pendingFor = .zero
        let evaluator = AlertEvaluator(groups: group(rule), dataSource: data, history: history, clock: clock)
        let statement = "SELECT * FROM lessons WHERE course_id = ?"
        data.set("db.query.duration", [
            AlertSample(labels: ["service": "web", "fingerprint": "dba6e73f38fe9967"], value: 620, details: ["statement": statement]),
        ])
        await evaluator.evaluateAll()
        let firing = try #require(await evaluator.alerts().first)
        #expect(firing.annotations["summary"] == "p95 of query `\(statement)` is 620 ms (threshold 500 ms) for 0 s")
        #expect(firing.annotations["description"]?.contains("query fingerprint dba6e73f38fe9967") == true)
        #expect(firing.labels == ["alertname": "DbQuerySlow", "service": "web", "fingerprint": "dba6e73f38fe9967", "severity": "warning"])
        // Its series goes away: the resolved message still names the statement.
        clock.advance(by: .seconds(15))
        data.set("db.query.duration", [AlertSample(labels: ["service": "web", "fingerprint": "0123456789abcdef"], value: 3, details: ["statement": "SELECT 1"])])
        await evaluator.evaluateAll()
        let events = await history.events
        #expect(events.map(\.kind).last == .resolved)
        #expect(events.last?.message.contains("`\(statement)`") == true)
    }

    @Test func evaluationFailingIsAnOrdinaryRule() async throws {
        let data = InMemoryAlertDataSource()
        data.fail("db.query.duration", with: "boom")
        var selfRule = try #require(DefaultAlertRules.groups.flatMap(\.rules).first { $0.name == "AlertEvaluationFailing" })
        selfRule.pendingFor = .zero
        let evaluator = AlertEvaluator(groups: group(latencyRule(name: "Db", metric: "db.query.duration"), selfRule), dataSource: data, clock: ManualAlertClock())
        await evaluator.evaluateAll()
        await evaluator.evaluateAll()
        let alerts = await evaluator.alerts()
        #expect(alerts.map(\.ruleName) == ["AlertEvaluationFailing"])
        #expect(alerts.first?.labels["rule"] == "Db")
        #expect(alerts.first?.annotations["summary"] == "alert rule Db (group api) fails to evaluate for 0 s")
    }

    @Test func silencedAlertsAreEvaluatedAndRecordedButNotSent() async throws {
        let clock = ManualAlertClock()
        let data = InMemoryAlertDataSource()
        let pager = RecordingNotifier()
        let history = InMemoryAlertHistory()
        let configuration = AlertingConfiguration(channels: [NotificationChannel(name: "pager", kind: .webhook, url: "http://x/")], routes: [NotificationRoute(channels: ["pager"])])
        let dispatcher = NotificationDispatcher(configuration: configuration, notifiers: ["pager": pager], clock: clock)
        await dispatcher.addSilence(try Silence.validated(id: "m1", matchers: ["route=~GET /check.*"], startsAt: clock.now(), endsAt: clock.now() + 3_600_000, createdBy: "ops", comment: "maintenance"))
        let evaluator = AlertEvaluator(groups: group(latencyRule()), dataSource: data, dispatcher: dispatcher, history: history, clock: clock)
        data.set("http.server.duration", [(["route": "GET /checkout"], 2400), (["route": "GET /cart"], 2600)])
        await evaluator.evaluateAll()
        await dispatcher.waitForDeliveries()
        #expect(await evaluator.alerts().count == 2)
        #expect(pager.sent.count == 1)
        #expect(pager.sent.first?.alerts.map { $0.labels["route"] } == ["GET /cart"])
        let events = await history.events
        #expect(events.count == 2)
        #expect(events.first { $0.labels["route"] == "GET /checkout" }?.silenced == true)
        #expect(events.first { $0.labels["route"] == "GET /cart" }?.silenced == false)
        // Current alerts are marked, with the silence's end (the API's `silenced`, `silencedUntil`).
        let silences = await dispatcher.silences()
        let marked = await evaluator.alerts().map { $0.marked(by: silences, at: clock.now()) }
        #expect(marked.first { $0.labels["route"] == "GET /checkout" }.map { [$0.silenced, $0.silencedUntil == clock.now() + 3_600_000] } == [true, true])
        #expect(marked.first { $0.labels["route"] == "GET /cart" }.map { [$0.silenced, $0.silencedUntil == nil] } == [false, true])
        let later = await evaluator.alerts().map { $0.marked(by: silences, at: clock.now() + 3_600_000) }
        #expect(later.allSatisfy { !$0.silenced && $0.silencedUntil == nil }, "an ended silence marks nothing")
    }

    func escalationSetup() -> (ManualAlertClock, InMemoryAlertDataSource, RecordingNotifier, RecordingNotifier, NotificationDispatcher, AlertEvaluator) {
        let clock = ManualAlertClock()
        let data = InMemoryAlertDataSource()
        let first = RecordingNotifier(), second = RecordingNotifier()
        let configuration = AlertingConfiguration(
            channels: [NotificationChannel(name: "slack", kind: .slack, url: "http://x/"), NotificationChannel(name: "pager", kind: .webhook, url: "http://x/")],
            routes: [NotificationRoute(channels: ["slack"], escalate: [EscalationStep(after: .seconds(900), channels: ["pager"])])])
        let dispatcher = NotificationDispatcher(configuration: configuration, notifiers: ["slack": first, "pager": second], clock: clock)
        let evaluator = AlertEvaluator(groups: group(latencyRule()), dataSource: data, dispatcher: dispatcher, clock: clock)
        data.set("http.server.duration", [(["route": "GET /checkout"], 2400)])
        return (clock, data, first, second, dispatcher, evaluator)
    }

    @Test func unacknowledgedAlertEscalatesToTheSecondChannel() async {
        let (clock, _, slack, pager, dispatcher, evaluator) = escalationSetup()
        await evaluator.evaluateAll()
        clock.advance(by: .seconds(600))
        await evaluator.evaluateAll()
        await dispatcher.flush()
        await dispatcher.waitForDeliveries()
        #expect(slack.sent.count == 1)
        #expect(pager.sent.isEmpty, "not yet: 10 of 15 minutes")
        clock.advance(by: .seconds(300))
        await dispatcher.flush()
        await dispatcher.waitForDeliveries()
        #expect(pager.sent.count == 1)
        #expect(pager.sent.first?.reason == .escalation)
    }

    @Test func acknowledgementStopsEscalationAndIsRecorded() async throws {
        let (clock, _, slack, pager, dispatcher, evaluator) = escalationSetup()
        let history = InMemoryAlertHistory()
        _ = history
        await evaluator.evaluateAll()
        let id = try #require(await evaluator.alerts().first?.id)
        clock.advance(by: .seconds(300))
        let acknowledged = try await evaluator.acknowledge(alertID: id, by: "alice", comment: "looking")
        #expect(acknowledged.acknowledgement?.by == "alice")
        clock.advance(by: .seconds(3600))
        await evaluator.evaluateAll()
        await dispatcher.flush()
        await dispatcher.waitForDeliveries()
        #expect(slack.sent.count == 1)
        #expect(pager.sent.isEmpty)
        #expect(await evaluator.alerts().first?.acknowledgement?.by == "alice")
        await #expect(throws: AlertingError.self) { try await evaluator.acknowledge(alertID: "0000000000000000", by: "bob") }
    }

    @Test func reloadKeepsStateAndResolvesRemovedRules() async {
        let clock = ManualAlertClock()
        let data = InMemoryAlertDataSource()
        let pager = RecordingNotifier()
        let configuration = AlertingConfiguration(channels: [NotificationChannel(name: "pager", kind: .webhook, url: "http://x/")], routes: [NotificationRoute(channels: ["pager"], groupInterval: .zero)])
        let dispatcher = NotificationDispatcher(configuration: configuration, notifiers: ["pager": pager], clock: clock)
        let evaluator = AlertEvaluator(groups: group(latencyRule()), dataSource: data, dispatcher: dispatcher, clock: clock)
        data.set("http.server.duration", [(["route": "/a"], 5000)])
        await evaluator.evaluateAll()
        await evaluator.replaceRules(group(latencyRule()))
        clock.advance(by: .seconds(15))
        await evaluator.evaluateAll()
        await dispatcher.waitForDeliveries()
        #expect(pager.sent.count == 1, "a reload does not re-notify")
        #expect(await evaluator.alerts().first?.state == .firing)
        await evaluator.replaceRules([])
        await dispatcher.waitForDeliveries()
        #expect(pager.sent.map(\.status) == [.firing, .resolved])
        #expect(await evaluator.alerts().isEmpty)
    }

    /// The service end to end: a real webhook receiver gets the payload within one
    /// interval + 1 s of the crossing, and the resolved payload after recovery.
    @Test func serviceNotifiesWithinIntervalPlusOneSecond() async throws {
        try await withReceiver { baseURL, received in
            let data = InMemoryAlertDataSource()
            data.set("http.server.duration", [(["route": "GET /checkout"], 300)])
            let configuration = AlertingConfiguration(
                channels: [NotificationChannel(name: "pager", kind: .webhook, url: baseURL + "/hook", timeout: .seconds(2))],
                routes: [NotificationRoute(channels: ["pager"], groupInterval: .milliseconds(100))])
            let dispatcher = NotificationDispatcher(configuration: configuration, notifiers: NotificationDispatcher.makeNotifiers(for: configuration, inApp: nil), tick: .milliseconds(20))
            let interval = Duration.milliseconds(300)
            let evaluator = AlertEvaluator(groups: group(latencyRule(), interval: interval), dataSource: data, dispatcher: dispatcher)
            let service = Task { try await evaluator.run() }
            let ticker = Task { try await dispatcher.run() }
            defer {
                service.cancel()
                ticker.cancel()
            }
            try await Task.sleep(for: .milliseconds(100))
            let crossed = ContinuousClock.now
            data.set("http.server.duration", [(["route": "GET /checkout"], 2400)])
            await received.wait(for: 1)
            let latency = ContinuousClock.now - crossed
            #expect(received.all.count == 1)
            #expect(latency <= interval + .seconds(1))
            #expect(received.json(0)?["status"] as? String == "firing")
            data.set("http.server.duration", [(["route": "GET /checkout"], 300)])
            await received.wait(for: 2)
            #expect(received.json(1)?["status"] as? String == "resolved")
        }
    }

    @Test func reloadRestartsTheServiceLoops() async throws {
        let data = InMemoryAlertDataSource()
        let evaluator = AlertEvaluator(groups: group(latencyRule(), interval: .milliseconds(20)), dataSource: data)
        let service = Task { try await evaluator.run() }
        defer { service.cancel() }
        func waitUntil(_ condition: () -> Bool) async {
            let deadline = ContinuousClock.now + .seconds(3)
            while !condition() && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        }
        await waitUntil { data.queries.count >= 3 }
        #expect(data.queries.count >= 3, "evaluates repeatedly on its interval")
        await evaluator.replaceRules([AlertRuleGroup(name: "other", interval: .milliseconds(20), rules: [latencyRule(metric: "other.metric")])])
        let afterReload = data.queries.count
        await waitUntil { data.queries.count >= afterReload + 3 }
        #expect(data.queries.suffix(2).allSatisfy { $0.metric == "other.metric" })
        service.cancel()
        _ = try? await service.value
    }
}

@Suite struct StatisticsTests {
    @Test func meanTimesToAcknowledgeAndResolve() async throws {
        let clock = ManualAlertClock()
        let data = InMemoryAlertDataSource()
        let history = InMemoryAlertHistory()
        let rule = AlertRule(name: "Slow", query: AlertQuery(metric: "m", stat: "p95", by: ["route"]), op: .greaterThan, threshold: 1)
        let evaluator = AlertEvaluator(groups: [AlertRuleGroup(name: "g", rules: [rule])], dataSource: data, history: history, clock: clock)
        data.set("m", [(["route": "/a"], 5), (["route": "/b"], 5)])
        await evaluator.evaluateAll()
        clock.advance(by: .seconds(60))
        let id = try #require(await evaluator.alerts().first { $0.labels["route"] == "/a" }?.id)
        try await evaluator.acknowledge(alertID: id, by: "alice")
        clock.advance(by: .seconds(60))
        data.set("m", [(["route": "/a"], 0), (["route": "/b"], 0)])
        await evaluator.evaluateAll()
        let statistics = AlertStatistics.compute(await history.events)
        #expect(statistics.fired == 2)
        #expect(statistics.meanTimeToAcknowledgeMs == 60_000)
        #expect(statistics.meanTimeToResolveMs == 120_000)
        #expect(statistics.rules.map(\.ruleName) == ["Slow"])
        #expect(statistics.rules.first?.acknowledged == 1)
    }

    @Test func tabbedJSONStillDecodes() throws {
        let body = "{\n\t\"alert\":\t\"X\",\n\t\"query\": {\"metric\": \"m\", \"stat\": \"avg\"},\n\t\"op\": \"<\",\n\t\"threshold\": 3\n}"
        let rule = try AlertRule.decodeJSON(Data(body.utf8))
        #expect(rule.name == "X")
        #expect(rule.threshold == 3)
    }
}
