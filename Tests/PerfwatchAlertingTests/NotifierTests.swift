import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PerfwatchAlerting
import PerfwatchAlertingTesting
import Testing

/// Notifiers against real local sinks: a Hummingbird HTTP server and an SMTP server.
@Suite struct NotifierTests {
    @Test func webhookSendsTheAlertmanagerV4Payload() async throws {
        try await withReceiver { baseURL, received in
            let notifier = WebhookNotifier(url: baseURL + "/alertmanager", timeout: .seconds(2))
            try await notifier.send(notification([checkoutAlert(), checkoutAlert(route: "GET /cart")]))
            #expect(received.all.first?.path == "/alertmanager")
            let payload = try #require(received.json(0))
            #expect(payload["version"] as? String == "4")
            #expect(payload["status"] as? String == "firing")
            #expect(payload["receiver"] as? String == "pager")
            #expect(payload["groupKey"] as? String == "route0:{alertname=\"ApiLatencyHigh\"}")
            #expect(payload["externalURL"] as? String == "http://pw.test")
            #expect(payload["groupLabels"] as? [String: String] == ["alertname": "ApiLatencyHigh"])
            #expect(payload["commonLabels"] as? [String: String] == ["alertname": "ApiLatencyHigh", "service": "shop", "severity": "critical"])
            #expect(payload["commonAnnotations"] as? [String: String] == [:])
            let alerts = try #require(payload["alerts"] as? [[String: Any]])
            #expect(alerts.count == 2)
            let first = alerts[0]
            #expect(Set(first.keys) == ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"])
            #expect(first["status"] as? String == "firing")
            #expect((first["labels"] as? [String: String])?["route"] == "GET /checkout")
            #expect((first["annotations"] as? [String: String])?["summary"] == "p95 of GET /checkout is 2.4 s (threshold 2 s) for 5 min")
            #expect(first["startsAt"] as? String == "2026-11-28T21:42:03.456Z")
            #expect(first["endsAt"] as? String == "0001-01-01T00:00:00Z")
            #expect((first["fingerprint"] as? String)?.count == 16)

            try await notifier.send(notification([checkoutAlert(status: .resolved)]))
            let resolved = try #require(received.json(1))
            #expect(resolved["status"] as? String == "resolved")
            #expect((resolved["alerts"] as? [[String: Any]])?.first?["endsAt"] as? String == "2026-11-28T21:47:03.456Z")
        }
    }

    @Test func slackMessageIsReadable() async throws {
        try await withReceiver { baseURL, received in
            let notifier = SlackNotifier(url: baseURL + "/services/T0/B0/X", timeout: .seconds(2))
            try await notifier.send(notification([checkoutAlert()], receiver: "chat"))
            try await notifier.send(notification([checkoutAlert(status: .resolved)], receiver: "chat"))
            let firing = try #require(received.json(0))
            #expect(firing["text"] as? String == "🔥 FIRING: p95 of GET /checkout is 2.4 s (threshold 2 s) for 5 min")
            let attachment = try #require((firing["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["color"] as? String == "#d92d20")
            let block = try #require((attachment["blocks"] as? [[String: Any]])?.first)
            let text = try #require((block["text"] as? [String: Any])?["text"] as? String)
            #expect(text.contains("`route=GET /checkout`"))
            #expect(text.contains("<http://pw.test/alerts?rule=ApiLatencyHigh|Open in Perfwatch>"))
            let resolved = try #require(received.json(1))
            #expect(resolved["text"] as? String == "✅ RESOLVED: p95 of GET /checkout is 2.4 s (threshold 2 s) for 5 min")
            #expect((resolved["attachments"] as? [[String: Any]])?.first?["color"] as? String == "#2eb67d")
        }
    }

    @Test func httpsToAPlainHTTPServerFailsAsATLSError() async throws {
        let sink = try await HTTPTestSink.start(behaviour: .respond(status: 200))
        defer { Task { await sink.stop() } }
        let url = sink.url.replacingOccurrences(of: "http://", with: "https://")
        do {
            try await WebhookNotifier(url: url, timeout: .seconds(2)).send(notification([checkoutAlert()]))
            Issue.record("expected a TLS failure")
        } catch let error as AlertingError {
            #expect(error.code.hasPrefix("tls"), "\(error)")
        }
    }

    @Test func non2xxIsAFailure() async throws {
        let sink = try await HTTPTestSink.start(behaviour: .respond(status: 500))
        defer { Task { await sink.stop() } }
        await #expect(throws: AlertingError.self) {
            try await WebhookNotifier(url: sink.url, timeout: .seconds(2)).send(notification([checkoutAlert()]))
        }
    }

    @Test func redirectIsAFailureNotFollowed() async throws {
        let received = ReceivedRequests()
        let router = Router()
        router.post("/moved") { _, _ -> Response in
            Response(status: .temporaryRedirect, headers: [.location: "/hook"])
        }
        router.post("/hook") { request, _ -> Response in
            received.record(request.uri.path, Data())
            return Response(status: .ok)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            do {
                try await WebhookNotifier(url: "http://127.0.0.1:\(client.port!)/moved", timeout: .seconds(2)).send(notification([checkoutAlert()]))
                Issue.record("expected the redirect to be a failure")
            } catch let error as AlertingError {
                #expect(error.code == "http_status")
                #expect(error.message.hasPrefix("HTTP 307"), "\(error)")
            }
        }
        #expect(received.all.isEmpty, "the redirect was not followed")
    }

    @Test func hangingTargetTimesOut() async throws {
        let sink = try await HTTPTestSink.start(behaviour: .hang)
        defer { Task { await sink.stop() } }
        let started = ContinuousClock.now
        do {
            try await WebhookNotifier(url: sink.url, timeout: .milliseconds(200)).send(notification([checkoutAlert()]))
            Issue.record("expected a timeout")
        } catch let error as AlertingError {
            #expect(error.code == "timeout")
        }
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func emailArrivesWithSubjectAndBothParts() async throws {
        let sink = try await SMTPTestSink.start(options: .init(credentials: (user: "alerts", password: "s3cret")))
        defer { Task { await sink.stop() } }
        let settings = SMTPSettings(host: "127.0.0.1", port: sink.port, from: "perfwatch@example.com", to: ["oncall@example.com", "lead@example.com"], username: "alerts", password: "s3cret")
        try await EmailNotifier(settings: settings, timeout: .seconds(2)).send(notification([checkoutAlert()], receiver: "mail"))
        let message = try #require(sink.messages.first)
        #expect(message.from == "perfwatch@example.com")
        #expect(message.recipients == ["oncall@example.com", "lead@example.com"])
        #expect(message.authenticatedAs == "alerts")
        #expect(message.header("Subject") == "FIRING: p95 of GET /checkout is 2.4 s (threshold 2 s) for 5 min")
        #expect(message.header("Content-Type")?.hasPrefix("multipart/alternative") == true)
        let text = try #require(message.part("text/plain"))
        #expect(text.contains("[FIRING] p95 of GET /checkout is 2.4 s (threshold 2 s) for 5 min"))
        #expect(text.contains("http://pw.test/alerts?rule=ApiLatencyHigh"))
        let html = try #require(message.part("text/html"))
        #expect(html.contains("<h2>FIRING: p95 of GET /checkout is 2.4 s (threshold 2 s) for 5 min</h2>"))
    }

    @Test func emailAuthLoginAndWrongPassword() async throws {
        let sink = try await SMTPTestSink.start(options: .init(credentials: (user: "alerts", password: "right")))
        defer { Task { await sink.stop() } }
        let settings = SMTPSettings(host: "127.0.0.1", port: sink.port, from: "a@x", to: ["b@x"], username: "alerts", password: "wrong")
        do {
            try await EmailNotifier(settings: settings, timeout: .seconds(2)).send(notification([checkoutAlert()]))
            Issue.record("expected an authentication failure")
        } catch let error as AlertingError {
            #expect(error.code == "smtp_rejected")
            #expect(error.message.contains("535"))
            #expect(!error.message.contains("wrong"), "no credentials in error messages")
        }
        #expect(sink.messages.isEmpty)
    }

    @Test func startTLSNotOfferedIsNeverSentInClearText() async throws {
        let sink = try await SMTPTestSink.start(options: .init(advertiseStartTLS: false))
        defer { Task { await sink.stop() } }
        let settings = SMTPSettings(host: "127.0.0.1", port: sink.port, from: "a@x", to: ["b@x"], tls: .starttls)
        do {
            try await EmailNotifier(settings: settings, timeout: .seconds(2)).send(notification([checkoutAlert()]))
            Issue.record("expected STARTTLS to be required")
        } catch let error as AlertingError {
            #expect(error.code == "smtp_starttls_not_offered")
            #expect(error.message.contains("does not offer STARTTLS"))
        }
        #expect(sink.messages.isEmpty)
    }
}
