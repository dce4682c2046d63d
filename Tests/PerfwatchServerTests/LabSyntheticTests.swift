import Foundation
import Logging
import PerfwatchAlerting
import PerfwatchConfig
import PerfwatchHTTPClient
import PerfwatchModel
@testable import PerfwatchServer
import PerfwatchServerTesting
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// Synthetic checks (issue 20): the definition reader, what a run is judged and recorded as, the
/// runner (one task per check, last failure kept) and the generated alert rules.
@Suite("Lab: synthetic checks")
struct LabSyntheticTests {
    static func check(_ json: String) throws(ConfigError) -> SyntheticCheck {
        try SyntheticCheck.parse(try ConfigNode.parseJSON(Data(json.utf8), rootPath: "check"), origin: .api)
    }

    @Test("defaults: GET, expect 200, every 30 s, 10 s timeout; the stored form parses back the same")
    func defaults() throws {
        let check = try Self.check(#"{"name":"home","url":"https://example.com/"}"#)
        #expect(check.type == .http && check.method == "GET" && check.expectStatus == 200 && check.intervalMs == 30_000 && check.timeoutMs == 10_000)
        #expect(check.thresholdMs == nil && check.headers.isEmpty)
        let full = try Self.check(
            #"{"name":"api-1","url":"http://10.0.0.1:8080/health","method":"post","headers":{"X-A":"b"},"expect_status":204,"body_contains":"ok","timeout":"2s","interval":"5s","threshold":"800ms"}"#)
        #expect(full.method == "POST" && full.expectStatus == 204 && full.intervalMs == 5000 && full.timeoutMs == 2000 && full.thresholdMs == 800)
        #expect(try Self.check(full.definitionJSON) == full)
    }

    @Test(
        "bad checks are refused naming the field",
        arguments: [
            (#"{"url":"https://example.com/"}"#, "check.name: required field is missing"),
            (#"{"name":"has space","url":"https://example.com/"}"#, "check.name: a name of 1 to 64"),
            (#"{"name":"a","url":"ftp://example.com/"}"#, "check.url: must be an http:// or https:// URL"),
            (#"{"name":"a","url":"https://example.com/","type":"ping"}"#, "check.type: must be http or browser"),
            (#"{"name":"a","url":"https://example.com/","method":"FETCH"}"#, "check.method: must be one of"),
            (#"{"name":"a","url":"https://example.com/","expect_status":700}"#, "check.expect_status: must be an HTTP status"),
            (#"{"name":"a","url":"https://example.com/","interval":"100ms"}"#, "check.interval: must be at least 1s"),
            (#"{"name":"a","url":"https://example.com/","type":"browser","interval":"30s"}"#, "check.interval: must be at least 1m for a browser check"),
            (#"{"name":"a","url":"https://example.com/","interval":"5s","timeout":"10s"}"#, "check.timeout: must be longer than 0 and at most the interval"),
            (#"{"name":"a","url":"https://example.com/","interval":"30"}"#, "check.interval"),
            (#"{"name":"a","url":"https://example.com/","threshhold":"1s"}"#, "unknown key \"threshhold\""),
        ])
    func refused(json: String, expected: String) {
        do {
            _ = try Self.check(json)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test("the server file's synthetic section: checks read, duplicate names refused with the line")
    func fileSection() throws {
        var configuration = ServerConfiguration()
        try configuration.apply(yaml: "synthetic:\n  checks:\n    - {name: a, url: \"http://127.0.0.1:9/\", interval: 2s}\n", source: "pw.yml")
        #expect(configuration.syntheticChecks.map(\.name) == ["a"] && configuration.syntheticChecks[0].origin == .file)
        var other = ServerConfiguration()
        #expect(throws: (any Error).self) {
            try other.apply(yaml: "synthetic:\n  checks:\n    - {name: a, url: \"http://x.test/\"}\n    - {name: a, url: \"http://y.test/\"}\n", source: "pw.yml")
        }
        do {
            try other.apply(yaml: "synthetic:\n  checks:\n    - {name: a, url: \"http://x.test/\"}\n    - {name: a, url: \"http://y.test/\"}\n", source: "pw.yml")
        } catch {
            #expect("\(error)".contains("pw.yml:4: synthetic.checks[1].name: duplicate check name 'a'"), "\(error)")
        }
    }

    @Test("a run is up only with the expected status and the expected text in the body")
    func judging() throws {
        let check = try Self.check(#"{"name":"a","url":"http://x.test/","expect_status":200,"body_contains":"ready"}"#)
        let up = SyntheticProbe.judge(check, .success(.init(status: 200, body: Array("all ready".utf8))), durationMs: 12)
        #expect(up == SyntheticOutcome(up: true, durationMs: 12, reason: nil))
        let wrongStatus = SyntheticProbe.judge(check, .success(.init(status: 503, body: Array("ready".utf8))), durationMs: 3)
        #expect(!wrongStatus.up && wrongStatus.reason == "status 503, expected 200")
        let wrongBody = SyntheticProbe.judge(check, .success(.init(status: 200, body: Array("starting".utf8))), durationMs: 3)
        #expect(!wrongBody.up && wrongBody.reason == "body does not contain \"ready\"")
    }

    @Test("a run becomes synthetic.up (gauge) and synthetic.duration (distribution, ms) labelled check and type")
    func points() throws {
        let check = try Self.check(#"{"name":"shop","url":"http://x.test/"}"#)
        let batch = SyntheticService.points(SyntheticOutcome(up: false, durationMs: 41.5, reason: "x"), of: check, atMs: 1000)
        #expect(batch.series.map(\.key.metric) == ["synthetic.up", "synthetic.duration"])
        #expect(batch.series.map(\.kind) == [.gauge, .distribution])
        #expect(batch.series.allSatisfy { $0.key.labels == Labels(["check": "shop", "type": "http"]) })
        #expect(batch.entries.map(\.sample.value) == [0, 41.5])
    }

    @Test("the runner runs each check at its interval, records every run and keeps the last failure; API checks are stored and restart")
    func runner() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let seen = Seen()
            let runner: SyntheticService.Runner = { check in
                let count = await seen.run(check.name)
                // Up, down, up, down…: the status keeps the last failure while up again.
                return count % 2 == 0 ? SyntheticOutcome(up: false, durationMs: 5, reason: "refused #\(count)") : SyntheticOutcome(up: true, durationMs: 2)
            }
            let fileCheck = try Self.check(#"{"name":"file","url":"http://x.test/","interval":"1s"}"#)
            let service = SyntheticService(
                fileChecks: [SyntheticCheck(
                    name: fileCheck.name, type: .http, url: fileCheck.url, method: "GET", headers: [:], expectStatus: 200, bodyContains: nil,
                    timeoutMs: 1000, intervalMs: 1000, thresholdMs: nil, origin: .file)],
                store: store, runners: [.http: runner], record: { _ in await seen.recorded() },
                rulesChanged: { checks in await seen.rulesChanged(checks.map(\.name)) }, logger: .testing)
            await service.start()
            let api = try Self.check(#"{"name":"api","url":"http://y.test/","interval":"1s"}"#)
            _ = try await service.add(api)
            await #expect(throws: SyntheticService.Refusal.self) { _ = try await service.add(api) }
            await #expect(throws: SyntheticService.Refusal.self) { try await service.remove(name: "file") }
            // Until each check has run twice (a loaded machine may take longer than the 2-3 s this needs), then not
            // more often than once a second plus the first run.
            let clock = ContinuousClock(), started = clock.now
            while clock.now - started < .seconds(30) {
                let sofar = await seen.runs
                if sofar.count == 2, (sofar.values.min() ?? 0) >= 2 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            await service.stopAll()
            let elapsed = clock.now - started
            let counts = await seen.runs
            let most = Int(elapsed.components.seconds) + 2
            #expect((2...most).contains(counts["file"] ?? 0), "\(counts) in \(elapsed)")
            #expect((2...most).contains(counts["api"] ?? 0), "\(counts) in \(elapsed)")
            // A run in flight when the runners stop is not recorded.
            let total = counts.values.reduce(0, +), batches = await seen.batches
            #expect(batches <= total && batches >= total - 2, "\(batches) of \(total)")
            let status = await service.status(of: "file")
            #expect(status.lastFailure?.hasPrefix("refused #") == true && status.lastFailureMs != nil && status.up != nil)
            #expect(await seen.ruleUpdates == [["file"], ["file", "api"]])
            // Stored: a new service over the same store has the API check again.
            #expect(try await store.labDefinitions(.syntheticCheck).map(\.name) == ["api"])
            try await service.remove(name: "api")
            #expect(try await store.labDefinitions(.syntheticCheck).isEmpty)
        }
    }

    @Test("a browser run is down when the load failed or the document's status is not expected; up, it carries the lab figures")
    func browserOutcome() throws {
        let check = try Self.check(#"{"name":"page","type":"browser","url":"http://x.test/","interval":"1m"}"#)
        func run(status: Int, failed: String? = nil) -> AuditRun {
            AuditRun(
                score: 92, metrics: AuditMetrics(fcpMs: 300, lcpMs: 450, tbtMs: 0, cls: 0.01, ttfbMs: 20), opportunities: [], resourceSummary: [:],
                requests: [WaterfallRow(url: "http://x.test/", type: "document", startMs: 0, endMs: 30, transferBytes: 900, status: status, renderBlocking: false)],
                filmstrip: [], lcpElement: nil, longTasks: [], warnings: [], finalURL: "http://x.test/", startedMs: 1, durationMs: 800, failed: failed)
        }
        let up = BrowserProbe.outcome(run(status: 200), of: check)
        #expect(up.up && up.reason == nil && up.durationMs == 800)
        #expect(up.browserMetrics == ["score": 92, "lcp": 450, "fcp": 300, "cls": 0.01, "tbt": 0, "ttfb": 20])
        let wrongStatus = BrowserProbe.outcome(run(status: 503), of: check)
        #expect(!wrongStatus.up && wrongStatus.reason == "status 503, expected 200" && wrongStatus.browserMetrics.isEmpty)
        let failed = BrowserProbe.outcome(run(status: 0, failed: "net::ERR_CONNECTION_REFUSED"), of: check)
        #expect(!failed.up && failed.reason == "net::ERR_CONNECTION_REFUSED")
        let points = SyntheticService.points(up, of: check, atMs: 5)
        #expect(points.series.map(\.key.metric) == [
            "synthetic.up", "synthetic.duration", "synthetic.cls", "synthetic.fcp", "synthetic.lcp", "synthetic.score", "synthetic.tbt", "synthetic.ttfb",
        ])
    }

    @Test("each check gets its failing rule (and a slow rule with a threshold), parsed without problems")
    func alertRules() throws {
        let plain = try Self.check(#"{"name":"home","url":"http://x.test/","interval":"2s"}"#)
        let slow = try Self.check(#"{"name":"api","url":"http://y.test/","interval":"30s","threshold":"800ms"}"#)
        let groups = SyntheticAlertRules.groups(for: [plain, slow])
        #expect(groups.map(\.name) == ["perfwatch-defaults-synthetic-home", "perfwatch-defaults-synthetic-api"])
        #expect(groups[0].rules.map(\.name) == ["SyntheticCheckFailing"])
        #expect(groups[1].rules.map(\.name) == ["SyntheticCheckFailing", "SyntheticCheckSlow"])
        #expect(groups[0].interval == .seconds(2) && groups[1].interval == .seconds(15))
        #expect(groups[0].rules[0].query.window == .seconds(3) && groups[0].rules[0].query.filters == ["check=home"])
        #expect(groups[1].rules[1].threshold == 800)
        #expect(SyntheticAlertRules.groups(for: []).isEmpty)
    }
}

/// What the runner test's fakes saw.
actor Seen {
    var runs: [String: Int] = [:]
    var batches = 0
    var ruleUpdates: [[String]] = []

    func run(_ name: String) -> Int {
        runs[name, default: 0] += 1
        return runs[name]!
    }

    func recorded() { batches += 1 }
    func rulesChanged(_ names: [String]) { ruleUpdates.append(names) }
}
