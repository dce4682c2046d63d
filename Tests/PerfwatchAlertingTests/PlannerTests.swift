import PerfwatchAlerting
import Testing

/// Routing, grouping, silences, acknowledgement and escalation, with injected time.
@Suite struct PlannerTests {
    func alert(_ name: String = "ApiLatencyHigh", route: String, severity: String = "critical", status: AlertStatus = .firing, startsAt: Int64 = 0) -> Alert {
        let labels = ["alertname": name, "route": route, "service": "shop", "severity": severity]
        return Alert(
            status: status, fingerprint: AlertFingerprint.of(labels: labels), ruleName: name, groupName: "api", labels: labels,
            annotations: ["summary": "p95 of \(route) is 2.4 s"], startsAt: startsAt, endsAt: status == .resolved ? 60_000 : nil,
            value: 2400, threshold: 2000, generatorURL: "http://pw/alerts")
    }

    func matchers(_ texts: String...) throws -> [LabelMatcher] { try texts.map { try LabelMatcher(parsing: $0) } }

    @Test func manyInstancesBecomeOneGroupedMessage() {
        var planner = NotificationPlanner(routes: [NotificationRoute(channels: ["pager"], groupBy: ["alertname"], groupWait: .seconds(10))])
        for index in 0..<25 { planner.receive(alert(route: "/r\(index)"), at: 0) }
        #expect(planner.due(at: 5_000).isEmpty, "group_wait not elapsed")
        let sent = planner.due(at: 10_000)
        #expect(sent.count == 1)
        #expect(sent[0].notification.alerts.count == 25)
        #expect(sent[0].notification.groupLabels == ["alertname": "ApiLatencyHigh"])
        #expect(sent[0].notification.commonLabels == ["alertname": "ApiLatencyHigh", "service": "shop", "severity": "critical"])
        #expect(sent[0].notification.title == "[FIRING:25] ApiLatencyHigh")
        #expect(planner.due(at: 11_000).isEmpty, "nothing changed")
    }

    @Test func groupIntervalBatchesChangesAndRepeatIntervalResends() {
        let route = NotificationRoute(channels: ["pager"], groupWait: .zero, groupInterval: .seconds(60), repeatInterval: .seconds(600))
        var planner = NotificationPlanner(routes: [route])
        planner.receive(alert(route: "/a"), at: 0)
        #expect(planner.due(at: 0).count == 1)
        planner.receive(alert(route: "/b"), at: 10_000)
        #expect(planner.due(at: 30_000).isEmpty, "within group_interval")
        let update = planner.due(at: 60_000)
        #expect(update.map { $0.notification.alerts.count } == [2])
        #expect(update.first?.notification.reason == .update)
        #expect(planner.due(at: 300_000).isEmpty, "unchanged before repeat_interval")
        let repeated = planner.due(at: 660_000)
        #expect(repeated.first?.notification.reason == .repeat)
    }

    @Test func resolvedIsSentOnceAndGroupForgotten() {
        var planner = NotificationPlanner(routes: [NotificationRoute(channels: ["pager"], groupInterval: .seconds(60))])
        planner.receive(alert(route: "/a"), at: 0)
        _ = planner.due(at: 0)
        planner.receive(alert(route: "/a", status: .resolved), at: 30_000)
        let sent = planner.due(at: 60_000)
        #expect(sent.count == 1)
        #expect(sent[0].notification.status == .resolved)
        #expect(sent[0].notification.alerts.first?.endsAt == 60_000)
        #expect(planner.groupCount == 0)
        #expect(planner.due(at: 10_000_000).isEmpty)
    }

    @Test func routingByMatchersWithContinue() throws {
        let routes = [
            NotificationRoute(matchers: try matchers("severity=critical"), channels: ["pager", "email"], continueMatching: true),
            NotificationRoute(matchers: try matchers("service=~sh.p"), channels: ["slack"]),
            NotificationRoute(channels: ["dashboard"]),
        ]
        var planner = NotificationPlanner(routes: routes)
        #expect(planner.matchingRoutes(for: ["severity": "critical", "service": "shop"]) == [0, 1])
        #expect(planner.matchingRoutes(for: ["severity": "warning", "service": "shop"]) == [1])
        #expect(planner.matchingRoutes(for: ["severity": "warning", "service": "shopping"]) == [2], "regex is anchored")
        planner.receive(alert(route: "/a"), at: 0)
        #expect(Set(planner.due(at: 0).map(\.channel)) == ["pager", "email", "slack"])
    }

    @Test func matcherParsing() throws {
        #expect(try LabelMatcher(parsing: "route!~/health.*").matches(["route": "/api"]))
        #expect(try !LabelMatcher(parsing: "route!~/health.*").matches(["route": "/healthz"]))
        #expect(try LabelMatcher(parsing: #"env="prod""#).value == "prod")
        #expect(try LabelMatcher(parsing: "env!=dev").matches([:]))
        #expect(throws: AlertingError.self) { try LabelMatcher(parsing: "service=~(unclosed") }
        #expect(throws: AlertingError.self) { try LabelMatcher(parsing: "just-a-word") }
    }

    @Test func silenceSuppressesSendingButNotTracking() throws {
        var planner = NotificationPlanner(routes: [NotificationRoute(channels: ["pager"])])
        planner.addSilence(try Silence.validated(id: "s1", matchers: ["route=/a"], startsAt: 0, endsAt: 120_000, createdBy: "ops", comment: "deploy"))
        planner.receive(alert(route: "/a"), at: 0)
        planner.receive(alert(route: "/b"), at: 0)
        let sent = planner.due(at: 0)
        #expect(sent.count == 1)
        #expect(sent[0].notification.alerts.map { $0.labels["route"] } == ["/b"])
        #expect(planner.isSilenced(["route": "/a"], at: 1000))
        // Silenced alert that resolves was never announced: nothing to send about it.
        planner.receive(alert(route: "/a", status: .resolved), at: 10_000)
        #expect(planner.due(at: 400_000).isEmpty)
    }

    @Test func silenceExpiryLetsTheAlertThrough() throws {
        var planner = NotificationPlanner(routes: [NotificationRoute(channels: ["pager"])])
        planner.addSilence(try Silence.validated(id: "s1", matchers: ["severity=critical"], startsAt: 0, endsAt: 60_000, createdBy: "ops", comment: ""))
        planner.receive(alert(route: "/a"), at: 0)
        #expect(planner.due(at: 0).isEmpty)
        #expect(planner.due(at: 61_000).count == 1)
    }

    @Test func silenceValidationNamesTheField() {
        #expect(throws: AlertingError(code: "invalid_field", message: "invalid regular expression \"(\"", field: "matchers[1]")) {
            try Silence.validated(id: "x", matchers: ["a=b", "c=~("], startsAt: 0, endsAt: 1, createdBy: "me", comment: "")
        }
        #expect(throws: AlertingError.self) { try Silence.validated(id: "x", matchers: ["a=b"], startsAt: 10, endsAt: 1, createdBy: "me", comment: "") }
    }

    func escalatingRoute() -> NotificationRoute {
        NotificationRoute(channels: ["slack"], escalate: [EscalationStep(after: .seconds(900), channels: ["pager"]), EscalationStep(after: .seconds(1800), channels: ["cto"])])
    }

    @Test func unacknowledgedAlertEscalatesAfterTheDelay() {
        var planner = NotificationPlanner(routes: [escalatingRoute()])
        planner.receive(alert(route: "/a", startsAt: 0), at: 0)
        #expect(planner.due(at: 0).map(\.channel) == ["slack"])
        #expect(planner.due(at: 899_000).isEmpty)
        let escalated = planner.due(at: 900_000)
        #expect(escalated.map(\.channel) == ["pager"])
        #expect(escalated.first?.notification.reason == .escalation)
        #expect(escalated.first?.notification.escalationStep == 0)
        #expect(planner.due(at: 901_000).isEmpty, "each step fires once")
        #expect(planner.due(at: 1_800_000).map(\.channel) == ["cto"])
        // Resolution reaches every channel that heard about the alert.
        planner.receive(alert(route: "/a", status: .resolved), at: 1_900_000)
        let resolved = planner.due(at: 1_900_000)
        #expect(Set(resolved.map(\.channel)) == ["slack", "pager", "cto"])
        #expect(resolved.allSatisfy { $0.notification.status == .resolved })
    }

    @Test func acknowledgementStopsEscalation() {
        var planner = NotificationPlanner(routes: [escalatingRoute()])
        let firing = alert(route: "/a", startsAt: 0)
        planner.receive(firing, at: 0)
        _ = planner.due(at: 0)
        planner.acknowledge(fingerprint: firing.fingerprint, Acknowledgement(by: "alice", at: 300_000))
        #expect(planner.due(at: 2_000_000).isEmpty)
        // Re-evaluation of the same firing alert keeps the acknowledgement.
        planner.receive(firing, at: 2_100_000)
        #expect(planner.due(at: 2_200_000).isEmpty)
        planner.receive(alert(route: "/a", status: .resolved), at: 2_300_000)
        #expect(planner.due(at: 2_300_000).map(\.channel) == ["slack"], "resolved only to the channel that was told")
    }

    @Test func groupByAllLabelsSendsOneMessagePerAlert() {
        var planner = NotificationPlanner(routes: [NotificationRoute(channels: ["pager"], groupBy: ["..."])])
        for index in 0..<3 { planner.receive(alert(route: "/r\(index)"), at: 0) }
        #expect(planner.due(at: 0).count == 3)
    }
}
