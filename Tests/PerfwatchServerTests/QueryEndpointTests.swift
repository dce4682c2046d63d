import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PerfwatchModel
import PerfwatchServer
import Testing

@Suite("Query endpoints")
struct QueryEndpointTests {
    @Test("p50/p95/p99 by route with a step")
    func percentiles() async throws {
        try await withApp { client in
            let now = TimeParsing.nowMs()
            let items = (1...200).map { timing(Double($0), route: $0 % 2 == 0 ? "/even" : "/odd", time: now - 120_000 + Int64($0) * 500) }
            try await client.post("/api/v1/metrics", metricsBody(items))
            let response = try await client.get("/api/v1/query?metric=api.request.duration&stat=p99&by=route&from=-5m&to=now")
            #expect(response.status == .ok)
            let series = response.json["series"] as? [[String: Any]] ?? []
            #expect(series.map { ($0["tags"] as? [String: String])?["route"] } == ["/even", "/odd"])
            let even = (series[0]["points"] as? [[Double]])?.first?[1] ?? 0
            #expect(abs(even - 198) / 198 <= 0.01)
            let stepped = try await client.get("/api/v1/query?metric=api.request.duration&stat=count&from=\(now - 180_000)&to=\(now)&step=1m")
            let points = ((stepped.json["series"] as? [[String: Any]])?.first?["points"] as? [[Double]]) ?? []
            #expect(points.count == 4)
            #expect(points.reduce(0) { $0 + $1[1] } == 200)
            #expect(stepped.json["step"] as? Int == 60_000)
        }
    }

    @Test("bad parameters are 400s naming the parameter", arguments: [
        ("metric=a&stat=p99x", "stat"), ("metric=a&from=now&to=-1h", "from"), ("metric=a&step=5 parsecs", "step"),
        ("stat=p95", "metric"), ("metric=a&from=yesterday", "from"), ("metric=a&where=novalue", "where"), ("metric=a&colour=red", "colour"),
    ])
    func badParameters(query: String, parameter: String) async throws {
        try await withApp { client in
            let response = try await client.get("/api/v1/query?" + query.replacingOccurrences(of: " ", with: "%20"))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage.contains("'\(parameter)'"), "\(response.errorMessage)")
        }
    }

    @Test("more series than the limit is a 422")
    func seriesLimit() async throws {
        try await withApp({ $0.maxSeriesPerQuery = 3 }) { client in
            try await client.post("/api/v1/metrics", metricsBody((0..<4).map { timing(1, route: "/r\($0)") }))
            let response = try await client.get("/api/v1/query?metric=api.request.duration&stat=avg&by=route&from=-5m")
            #expect(response.status == .unprocessableContent)
            #expect(response.errorMessage.contains("limit of 3"))
            let ok = try await client.get("/api/v1/query?metric=api.request.duration&stat=avg&from=-5m")
            #expect(ok.status == .ok)
        }
    }

    @Test("the catalog lists names, kinds, units and tag values")
    func catalog() async throws {
        try await withApp { client in
            try await client.post("/api/v1/metrics", metricsBody([timing(1, route: "/a"), timing(2, route: "/b"), #"{"name":"jobs","kind":"counter","value":3,"tags":{"queue":"mail"}}"#]))
            let response = try await client.get("/api/v1/metrics")
            let metrics = response.json["metrics"] as? [[String: Any]] ?? []
            let duration = metrics.first { $0["name"] as? String == "api.request.duration" }
            #expect(duration?["kind"] as? String == "distribution")
            #expect(duration?["unit"] as? String == "ms")
            #expect((duration?["tags"] as? [String: [String]])?["route"] == ["/a", "/b"])
            #expect(metrics.contains { $0["name"] as? String == "jobs" && $0["kind"] as? String == "counter" })
        }
    }
}
