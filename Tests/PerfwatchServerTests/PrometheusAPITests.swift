import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PerfwatchModel
import PerfwatchPromQL
@testable import PerfwatchServer
import Testing

@Suite("Prometheus HTTP API (/api/v1/query, query_range, labels, series, metadata, buildinfo, rules)")
struct PrometheusAPITests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Two gauges and a JSON counter, a few minutes old, through the JSON API.
    func ingest(_ client: any TestClientProtocol, now: Int64) async throws {
        var items: [String] = []
        for step in 0..<10 {
            let time = now - 300_000 + Int64(step) * 15_000
            items.append(#"{"name":"queue_depth","kind":"gauge","value":\#(step),"tags":{"queue":"mail"},"time":\#(time)}"#)
            items.append(#"{"name":"queue_depth","kind":"gauge","value":\#(step * 2),"tags":{"queue":"sms"},"time":\#(time)}"#)
            items.append(#"{"name":"orders","kind":"counter","value":2,"tags":{"shop.region":"eu"},"time":\#(time)}"#)
        }
        let response = try await client.post("/api/v1/metrics", metricsBody(items))
        #expect(response.status == .ok, "\(response.text)")
    }

    func data(_ response: TestResponse) -> [String: Any] { response.json["data"] as? [String: Any] ?? [:] }

    @Test("Grafana's health check: 1+1 at time=4 is the scalar 2")
    func healthCheck() async throws {
        try await withApp { client in
            let response = try await client.get("/api/v1/query?query=1%2B1&time=4")
            #expect(response.status == .ok)
            #expect(response.text == #"{"status":"success","data":{"resultType":"scalar","result":[4,"2"]}}"#)
        }
    }

    @Test("instant and range queries, GET and POST form, answer in Prometheus' shape")
    func queries() async throws {
        try await withApp { client in
            let now = TimeParsing.nowMs() / 1000 * 1000
            try await ingest(client, now: now)
            let at = Double(now - 165_000) / 1000
            let instant = try await client.get("/api/v1/query?query=queue_depth&time=\(at)")
            #expect(instant.status == .ok, "\(instant.text)")
            let result = data(instant)["result"] as? [[String: Any]] ?? []
            #expect(data(instant)["resultType"] as? String == "vector")
            var byQueue: [String: String] = [:]
            for element in result {
                byQueue[(element["metric"] as? [String: String])?["queue"] ?? ""] = (element["value"] as? [Any])?[1] as? String
            }
            #expect(byQueue == ["mail": "9", "sms": "18"])

            let body = "query=sum(queue_depth)&start=\(Double(now - 300_000) / 1000)&end=\(Double(now - 165_000) / 1000)&step=15s"
            let range = try await client.post("/api/v1/query_range", body, headers: Self.form)
            #expect(range.status == .ok, "\(range.text)")
            #expect(data(range)["resultType"] as? String == "matrix")
            let values = ((data(range)["result"] as? [[String: Any]])?.first?["values"] as? [[Any]]) ?? []
            #expect(values.count == 10)
            #expect(values.map { $0[1] as? String } == (0..<10).map { String($0 * 3) })

            // The delta counter as a running total: rate over it works.
            let rate = try await client.post(
                "/api/v1/query", "query=" + "sum(increase(orders_total[150s]))".addingPercentEncoding(withAllowedCharacters: .alphanumerics)! + "&time=\(at)",
                headers: Self.form)
            #expect(rate.status == .ok, "\(rate.text)")
            let increase = (((data(rate)["result"] as? [[String: Any]])?.first?["value"] as? [Any])?[1] as? String).flatMap(Double.init)
            #expect(abs((increase ?? 0) - 20) < 1e-9, "\(rate.text)")
            // Perfwatch's own query API on the same path keeps working.
            let ours = try await client.get("/api/v1/query?metric=queue_depth&stat=max&from=-10m")
            #expect(ours.status == .ok && ours.json["series"] != nil)
        }
    }

    @Test("labels, label values (with match[]), series, metadata, buildinfo, exemplars, rules")
    func metadataEndpoints() async throws {
        try await withApp { client in
            try await ingest(client, now: TimeParsing.nowMs())
            let labels = try await client.get("/api/v1/labels")
            #expect(labels.status == .ok)
            let names = labels.json["data"] as? [String] ?? []
            #expect(names.contains("__name__") && names.contains("queue") && names.contains("shop_region"))
            let metricNames = try await client.get("/api/v1/label/__name__/values").json["data"] as? [String] ?? []
            #expect(metricNames.contains("queue_depth") && metricNames.contains("orders_total"))
            let queues = try await client.get("/api/v1/label/queue/values?match[]=queue_depth%7Bqueue%3D~%22m.*%22%7D").json["data"] as? [String]
            #expect(queues == ["mail"])
            let series = try await client.post("/api/v1/series", "match[]=queue_depth&match[]=orders_total", headers: Self.form)
            #expect(series.status == .ok)
            #expect((series.json["data"] as? [[String: String]])?.count == 3)
            let metadata = try await client.get("/api/v1/metadata").json["data"] as? [String: [[String: String]]]
            #expect(metadata?["orders_total"]?.first?["type"] == "counter")
            let build = try await client.get("/api/v1/status/buildinfo")
            #expect((build.json["data"] as? [String: String])?["version"] == "2.42.0")
            let exemplars = try await client.get("/api/v1/query_exemplars?query=queue_depth")
            #expect(exemplars.text == #"{"status":"success","data":[]}"#)
            let rules = try await client.get("/api/v1/rules")
            #expect(rules.status == .ok)
            let groups = (rules.json["data"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
            #expect(!groups.isEmpty, "the default rules are listed")
            #expect(((groups.first?["rules"] as? [[String: Any]])?.first?["type"] as? String) == "alerting")
        }
    }

    @Test("bad input: Prometheus' error types and statuses", arguments: [
        ("/api/v1/query?query=sum(rate(x%5B5m%5D)", HTTPResponse.Status.badRequest, "bad_data", "1:16: parse error"),
        ("/api/v1/query?query=nosuchfn(x)", .badRequest, "bad_data", "unknown function"),
        ("/api/v1/query?query=rate(x)", .badRequest, "bad_data", "range vector"),
        ("/api/v1/query?query=up&time=yesterday", .badRequest, "bad_data", "invalid parameter \"time\""),
        ("/api/v1/query_range?query=up&start=0&end=11001&step=1", .badRequest, "bad_data", "11,000 points"),
        ("/api/v1/query_range?query=up&start=0&end=100&step=0", .badRequest, "bad_data", "zero or negative"),
        ("/api/v1/query_range?query=up&start=0&end=100&step=fast", .badRequest, "bad_data", "invalid parameter \"step\""),
        ("/api/v1/query_range?query=up&start=100&end=0&step=1", .badRequest, "bad_data", "end timestamp must not be before start time"),
        ("/api/v1/query_range?query=up&end=100&step=1", .badRequest, "bad_data", "invalid parameter \"start\""),
        ("/api/v1/series", .badRequest, "bad_data", "no match[] parameter provided"),
        ("/api/v1/series?match[]=rate(x%5B5m%5D)", .badRequest, "bad_data", "invalid parameter \"match[]\""),
        ("/api/v1/label/bad-name/values", .badRequest, "bad_data", "invalid label name"),
    ])
    func badInput(uri: String, status: HTTPResponse.Status, type: String, message: String) async throws {
        try await withApp { client in
            let response = try await client.get(uri)
            #expect(response.status == status, "\(response.text)")
            #expect(response.json["status"] as? String == "error")
            #expect(response.json["errorType"] as? String == type)
            #expect((response.json["error"] as? String ?? "").contains(message), "\(response.text)")
            #expect(try await client.get("/api/v1/query?query=1").status == .ok, "the server stays up")
        }
    }

    @Test("over the sample limit is 422 execution; over the series limit too")
    func limits() async throws {
        try await withApp({ $0.promql.maxSamples = 5 }) { client in
            try await ingest(client, now: TimeParsing.nowMs())
            let samples = try await client.get("/api/v1/query?query=sum(count_over_time(queue_depth%5B10m%5D))")
            #expect(samples.status == .unprocessableContent, "\(samples.text)")
            #expect(samples.json["errorType"] as? String == "execution")
            #expect((samples.json["error"] as? String ?? "").contains("too many samples"))
            #expect(try await client.get("/api/v1/query?query=sum(count_over_time(queue_depth%5B20s%5D))").status == .ok)
        }
        try await withApp({ $0.promql.maxSeries = 1 }) { client in
            let now = TimeParsing.nowMs()
            try await ingest(client, now: now)
            let series = try await client.get("/api/v1/query?query=queue_depth&time=\(Double(now - 200_000) / 1000)")
            #expect(series.status == .unprocessableContent)
            #expect((series.json["error"] as? String ?? "").contains("max_series"))
            let listing = try await client.get("/api/v1/series?match[]=queue_depth")
            #expect(listing.status == .unprocessableContent)
        }
    }

    /// A source that answers after `delay`: the engine's deadline passes while it reads.
    struct SlowSource: PromSeriesSource, PromSeriesCatalog {
        let delay: Duration
        func select(_ matchers: [LabelMatcher], fromMs: Int64, toMs: Int64) async throws -> [PromSeries] {
            try await Task.sleep(for: delay)
            return [PromSeries(labels: PerfwatchPromQL.Labels(["__name__": "up"]), samples: [PromSample(timestampMs: fromMs, value: 1)])]
        }
        func labelSets(matching: [[LabelMatcher]], fromMs: Int64, toMs: Int64) async throws -> [PerfwatchPromQL.Labels] { [] }
        func metadata() async throws -> [String: PromMetricMetadata] { [:] }
    }

    @Test("past the query timeout is 503 timeout (configured, or shortened by the timeout parameter)")
    func timeout() async throws {
        var settings = PromQLSettings()
        settings.queryTimeoutMs = 50
        let handlers = PromAPIHandlers(source: SlowSource(delay: .milliseconds(200)), settings: settings)
        let response = await PromAPIHandlers.answer {
            try await handlers.instantQuery(PromAPIParameters(pairs: [("query", "up"), ("time", "100")]))
        }
        #expect(response.status == .serviceUnavailable)
        let shortened = PromAPIHandlers(source: SlowSource(delay: .milliseconds(200)), settings: PromQLSettings())
        let byParameter = await PromAPIHandlers.answer {
            try await shortened.instantQuery(PromAPIParameters(pairs: [("query", "up"), ("time", "100"), ("timeout", "0.05")]))
        }
        #expect(byParameter.status == .serviceUnavailable)
        let fast = await PromAPIHandlers.answer {
            try await shortened.instantQuery(PromAPIParameters(pairs: [("query", "up"), ("time", "100")]))
        }
        #expect(fast.status == .ok)
    }

    @Test("times and steps in every form Prometheus accepts")
    func parameterSyntax() throws {
        #expect(PromAPIParameters.parseTime("4") == 4000)
        #expect(PromAPIParameters.parseTime("1700000000.123") == 1_700_000_000_123)
        #expect(PromAPIParameters.parseTime("2023-11-14T22:13:20Z") == 1_700_000_000_000)
        #expect(PromAPIParameters.parseTime("2023-11-14T22:13:20.5Z") == 1_700_000_000_500)
        #expect(PromAPIParameters.parseTime("2023-11-14T23:13:20+01:00") == 1_700_000_000_000)
        #expect(PromAPIParameters.parseTime("soon") == nil)
        let step = PromAPIParameters(pairs: [("a", "15s"), ("b", "15"), ("c", "1m30s"), ("d", "0.5")])
        #expect(try step.duration("a") == 15_000 && step.duration("b") == 15_000 && step.duration("c") == 90_000 && step.duration("d") == 500)
        #expect(PromAPIParameters.parseForm("query=sum%28x%29+by+%28a%29&match%5B%5D=up&match%5B%5D=down").map(\.value) == ["sum(x) by (a)", "up", "down"])
        #expect(PromAPIJSON.time(1_700_000_000_120) == "1700000000.12" && PromAPIJSON.time(4000) == "4" && PromAPIJSON.time(-1500) == "-1.5")
    }

    @Test("NaN and infinities are strings as Prometheus writes them")
    func nonFinite() async throws {
        try await withApp { client in
            let response = try await client.get("/api/v1/query?query=vector(1)%2F0%20or%20label_replace(vector(0)%2F0,%22a%22,%22b%22,%22%22,%22%22)&time=10")
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.text.contains(#""+Inf""#) && response.text.contains(#""NaN""#))
        }
    }

    @Test("with API keys on, the Prometheus API needs a read key (Grafana's bearer token)")
    func auth() async throws {
        let key = "promapi-read-key-0123456789"
        try await withApp({ $0.apiKeys = [.init(key: key, scopes: ["read"])] }) { client in
            #expect(try await client.get("/api/v1/query?query=1").status == .unauthorized)
            let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/x-www-form-urlencoded"]
            let post = try await client.execute(uri: "/api/v1/query_range", method: .post, headers: headers, body: ByteBuffer(string: "query=1&start=0&end=10&step=5"))
            #expect(post.status == .ok, "\(post.text)")
            #expect(try await client.execute(uri: "/api/v1/labels", method: .get, headers: headers).status == .ok)
        }
    }
}
