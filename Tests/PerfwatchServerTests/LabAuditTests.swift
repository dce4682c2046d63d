import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PerfwatchModel
@testable import PerfwatchServer
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// Lab audits, checks and reports through the API (issue 20): an audit is stored and served exactly as
/// posted, listed newest first per URL; bad input is a 400 naming the field; the report preview renders.
@Suite("Lab: audits and the lab API")
struct LabAuditTests {
    static func report(url: String = "https://shop.test/checkout", score: Int = 71, startedMs: Double = 1_764_000_000_000) -> AuditReport {
        let metrics = AuditMetrics(fcpMs: 1200, lcpMs: 2600, speedIndexMs: 2100, tbtMs: 150, cls: 0.02, ttfbMs: 300)
        let row = WaterfallRow(url: url, type: "document", startMs: 0, endMs: 310, transferBytes: 5120, status: 200, renderBlocking: false)
        let run = AuditRun(
            score: score, metrics: metrics, opportunities: [], resourceSummary: ["total": .init(requests: 1, transferBytes: 5120)], requests: [row],
            filmstrip: [.init(timeMs: 1200, jpegBase64: "AAAA")], lcpElement: .init(selector: "h1"), longTasks: [], warnings: [], finalURL: url,
            startedMs: startedMs, durationMs: 4000)
        return AuditReport(
            url: url, finalURL: url, device: "mobile", runs: [run], medianRunIndex: 0, score: score, metrics: metrics,
            opportunities: [.init(id: "uses-text-compression", title: "Enable text compression", savingsBytes: 3000, items: [.init(url: url, wastedBytes: 3000, detail: "gzip")])],
            resourceSummary: run.resourceSummary, requests: [row], filmstrip: run.filmstrip, lcpElement: run.lcpElement, longTasks: [], warnings: [],
            startedMs: startedMs, durationMs: 4000, chromiumVersion: "131.0")
    }

    static func json(_ report: AuditReport) throws -> String { String(decoding: try report.jsonData(), as: UTF8.self) }

    @Test("POST stores the report; GET by id answers the same JSON; the list is newest first per URL, bounded by limit")
    func storeAndServe() async throws {
        let older = try Self.json(Self.report(score: 60, startedMs: 1_764_000_000_000))
        let newer = try Self.json(Self.report(score: 80, startedMs: 1_764_000_600_000))
        let other = try Self.json(Self.report(url: "https://shop.test/", score: 95))
        try await withApp { client in
            let created = try await client.post("/api/v1/audits", older)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? Int)
            #expect(try await client.post("/api/v1/audits", newer).status == .created)
            #expect(try await client.post("/api/v1/audits", other).status == .created)
            let one = try await client.get("/api/v1/audits/\(id)")
            #expect(one.status == .ok && one.text == older)
            let list = try await client.get("/api/v1/audits?url=https%3A%2F%2Fshop.test%2Fcheckout")
            let audits = try #require(list.json["audits"] as? [[String: Any]])
            #expect(audits.map { $0["score"] as? Int } == [80, 60])
            #expect(((list.json["field"] as? [String: Any])?["page"] as? String) == "/checkout")
            let urls = try #require(list.json["urls"] as? [[String: Any]])
            #expect(urls.map { $0["url"] as? String } == ["https://shop.test/", "https://shop.test/checkout"])
            let limited = try await client.get("/api/v1/audits?limit=1")
            #expect((limited.json["audits"] as? [[String: Any]])?.count == 1)
            #expect(try await client.get("/api/v1/audits?limit=0").status == .badRequest)
            #expect(try await client.get("/api/v1/audits/999").status == .notFound)
            #expect(try await client.get("/api/v1/audits/abc").status == .badRequest)
        }
    }

    @Test("bad audits are refused naming the field")
    func refused() async throws {
        var badScore = Self.report()
        badScore.score = 140
        var badDevice = Self.report()
        badDevice.device = "tablet"
        var badIndex = Self.report()
        badIndex.medianRunIndex = 3
        var badURL = Self.report()
        badURL.url = "file:///etc/passwd"
        let cases: [(String, String)] = [
            (try Self.json(badScore), "audit: 'score' must be from 0 to 100"),
            (try Self.json(badDevice), "audit: 'device' must be mobile or desktop"),
            (try Self.json(badIndex), "audit: 'medianRunIndex' must be an index of 'runs'"),
            (try Self.json(badURL), "audit: 'url' must be an http:// or https:// URL"),
            (#"{"url":"https://x.test/"}"#, "audit: 'finalURL' is required"),
            (try Self.json(Self.report()).replacingOccurrences(of: #""lcpMs":2600"#, with: #""lcpMs":"slow""#), "audit: 'runs[0].metrics.lcpMs' must be a number"),
            ("[1,2]", "audit: body must be a JSON object"),
        ]
        try await withApp { client in
            for (body, expected) in cases {
                let response = try await client.post("/api/v1/audits", body)
                #expect(response.status == .badRequest, "\(expected)")
                #expect(response.errorMessage.contains(expected), "\(response.errorMessage)")
            }
            #expect((try await client.get("/api/v1/audits")).json["audits"] as? [Any] != nil)
        }
    }

    @Test("synthetic checks through the API: create, list, replace, delete; duplicates and bad input are 400s naming the field")
    func checksAPI() async throws {
        try await withApp({ $0.outbound = try! OutboundPolicy(allow: ["127.0.0.1"]) }) { client in
            let created = try await client.post("/api/v1/synthetic/checks", #"{"name":"home","url":"http://127.0.0.1:9/","interval":"5s"}"#)
            #expect(created.status == .created, "\(created.text)")
            let duplicate = try await client.post("/api/v1/synthetic/checks", #"{"name":"home","url":"http://127.0.0.1:9/"}"#)
            #expect(duplicate.status == .badRequest && duplicate.errorMessage.contains("name: a check named 'home' already exists"))
            let bad = try await client.post("/api/v1/synthetic/checks", #"{"name":"x","url":"http://127.0.0.1:9/","interval":"1h","timeout":"2h"}"#)
            #expect(bad.status == .badRequest && bad.errorMessage.contains("timeout: must be longer than 0 and at most the interval"), "\(bad.errorMessage)")
            let blocked = try await client.post("/api/v1/synthetic/checks", #"{"name":"meta","url":"http://169.254.169.254/latest"}"#)
            #expect(blocked.status == .forbidden && blocked.errorMessage.hasPrefix("url: "), "\(blocked.errorMessage)")
            let replaced = try await client.execute(
                uri: "/api/v1/synthetic/checks/home", method: .put, headers: [.contentType: "application/json"],
                body: .init(string: #"{"name":"home","url":"http://127.0.0.1:9/ready","interval":"10s"}"#))
            #expect(replaced.status == .ok && replaced.json["interval"] as? String == "10s")
            let list = try await client.get("/api/v1/synthetic/checks")
            #expect((list.json["checks"] as? [[String: Any]])?.map { $0["url"] as? String } == ["http://127.0.0.1:9/ready"])
            let uptime = try await client.get("/api/v1/synthetic/uptime")
            #expect((uptime.json["checks"] as? [[String: Any]])?.first?["name"] as? String == "home")
            #expect(try await client.execute(uri: "/api/v1/synthetic/checks/home", method: .delete).status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/synthetic/checks/home", method: .delete).status == .notFound)
        }
    }

    @Test("report schedules and the preview: bad schedules are 400s naming the field; JSON and CSV previews hold every section")
    func reportsAPI() async throws {
        try await withApp { client in
            let bad = try await client.post("/api/v1/reports/schedules", #"{"name":"w","schedule":{"every":"week","time_zone":"Nowhere/City"},"recipients":["a@example.com"]}"#)
            #expect(bad.status == .badRequest && bad.errorMessage.contains("schedule.time_zone: unknown time zone"), "\(bad.errorMessage)")
            let badRecipient = try await client.post("/api/v1/reports/schedules", #"{"name":"w","schedule":{"every":"day"},"recipients":["nobody"]}"#)
            #expect(badRecipient.status == .badRequest && badRecipient.errorMessage.contains("recipients"), "\(badRecipient.errorMessage)")
            let created = try await client.post(
                "/api/v1/reports/schedules", #"{"name":"weekly","schedule":{"every":"week","weekday":"monday","at":"08:00","time_zone":"Europe/Berlin"},"recipients":["a@example.com"],"format":"csv"}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect((created.json["next_fire_at"] as? Int ?? 0) > 0)
            // No e-mail channel is configured: sending now says so.
            let send = try await client.post("/api/v1/reports/schedules/weekly/send", "")
            #expect(send.status == .conflict && send.errorMessage.contains("no e-mail channel"), "\(send.errorMessage)")
            let json = try await client.get("/api/v1/reports/preview?format=json&every=day")
            #expect(json.status == .ok)
            for key in ["vitals", "scores", "slowest_routes", "open_issues", "optimizations", "alerts", "uptime", "budget"] {
                #expect(json.json[key] != nil, "\(key)")
            }
            let csv = try await client.get("/api/v1/reports/preview?format=csv")
            #expect(csv.text.hasPrefix("section,item,metric,value\r\n") && csv.text.contains("alerts,all,fired,0"))
            #expect(try await client.get("/api/v1/reports/preview?format=docx").status == .badRequest)
        }
    }
}
