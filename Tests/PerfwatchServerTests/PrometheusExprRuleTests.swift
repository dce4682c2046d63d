import Foundation
import HTTPTypes
import HummingbirdTesting
import PerfwatchModel
import PerfwatchServer
import Testing

@Suite("Alert rules with a PromQL expr: evaluated over the store as the Prometheus API sees it")
struct PrometheusExprRuleTests {
    func firing(_ client: any TestClientProtocol, _ rule: String) async throws -> [[String: Any]] {
        let active = try await client.get("/api/v1/alerts?state=firing").json["active"] as? [[String: Any]] ?? []
        return active.filter { $0["ruleName"] as? String == rule }
    }

    @Test("an expr: rule fires per element of its vector, with the element's labels and value; rules lists it with its PromQL")
    func exprRuleFires() async throws {
        try await withApp { client in
            let rule = #"{"alert":"QueueDeep","expr":"max by (queue) (queue_depth) > 5","group":"promql","interval":"1s","labels":{"severity":"warning"}}"#
            let created = try await client.post("/api/v1/alert-rules", rule)
            #expect(created.status == .created, "\(created.text)")
            let now = TimeParsing.nowMs()
            try await client.post("/api/v1/metrics", metricsBody([
                #"{"name":"queue_depth","kind":"gauge","value":9,"tags":{"queue":"mail"},"time":\#(now - 1000)}"#,
                #"{"name":"queue_depth","kind":"gauge","value":2,"tags":{"queue":"sms"},"time":\#(now - 1000)}"#,
            ]))
            var alerts: [[String: Any]] = []
            for _ in 0..<50 where alerts.isEmpty {
                try await Task.sleep(for: .milliseconds(200))
                alerts = try await firing(client, "QueueDeep")
            }
            #expect(alerts.count == 1)
            #expect((alerts.first?["labels"] as? [String: String])?["queue"] == "mail")
            #expect(alerts.first?["value"] as? Double == 9)
            let rules = try await client.get("/api/v1/rules").json["data"] as? [String: Any]
            let groups = rules?["groups"] as? [[String: Any]] ?? []
            let promql = groups.first { $0["name"] as? String == "promql" }
            let listed = (promql?["rules"] as? [[String: Any]])?.first
            #expect(listed?["query"] as? String == "max by (queue) (queue_depth) > 5")
            #expect(listed?["state"] as? String == "firing")
            #expect((listed?["alerts"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test("an expr: that does not parse is a 400 naming the field and the position")
    func badExpr() async throws {
        try await withApp { client in
            let response = try await client.post("/api/v1/alert-rules", #"{"alert":"Bad","expr":"rate(x[5m]","group":"promql"}"#)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage.contains("expr: PromQL 1:"), "\(response.errorMessage)")
        }
    }
}
