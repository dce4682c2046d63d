import Foundation
import Hummingbird
import HummingbirdTesting
import PerfwatchModel
import PerfwatchServer
import Testing

/// Issue 13: each of these requests killed the process with an arithmetic trap. They now
/// answer (200 with the range clamped to what the store represents, or 400 naming the
/// parameter) and a value written before stays exact.
@Suite("Numbers from outside never trap")
struct UntrustedNumbersTests {
    @Test("huge and tiny times answer, and the data written before is intact", arguments: [
        "/api/v1/query?metric=api.request.duration&stat=count&from=1e20",
        "/api/v1/query?metric=api.request.duration&stat=count&to=-1e19",
        "/api/v1/query?metric=api.request.duration&stat=count&from=-1e308&to=1e308",
        "/api/v1/errors?from=1e19",
        "/api/v1/vitals?to=9.3e18",
        "/api/v1/traces?to=9999-12-31T23:59:59Z",
        "/api/v1/traces?from=0001-01-01T00:00:00Z",
        "/api/v1/traces?from=-9223372036854775808&to=9223372036854775807",
        "/api/v1/query?metric=api.request.duration&stat=count&from=-10m&step=9223372036854775807",
    ])
    func hugeTimes(uri: String) async throws {
        try await withApp { client in
            try await client.post("/api/v1/metrics", metricsBody([timing(42)]))
            let response = try await client.get(uri)
            #expect([.ok, .badRequest].contains(response.status), "\(uri): \(response.status)")
            let check = try await client.get("/api/v1/query?metric=api.request.duration&stat=max&from=-5m")
            let points = ((check.json["series"] as? [[String: Any]])?.first?["points"] as? [[Double]]) ?? []
            #expect(points.first?[1] == 42)
        }
    }

    @Test("a whole-time query counts what was written")
    func wholeTime() async throws {
        try await withApp { client in
            try await client.post("/api/v1/metrics", metricsBody([timing(1), timing(2), timing(3)]))
            let response = try await client.get("/api/v1/query?metric=api.request.duration&stat=count&from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z&step=1000w")
            #expect(response.status == .ok)
            let points = ((response.json["series"] as? [[String: Any]])?.first?["points"] as? [[Double]]) ?? []
            #expect(points.reduce(0) { $0 + $1[1] } == 3)
        }
    }

    @Test("min_duration past a year is a 400 naming it", arguments: ["99999999999999", "inf", "1e400", "-1", "nan"])
    func minDuration(value: String) async throws {
        try await withApp { client in
            let response = try await client.get("/api/v1/traces?min_duration=\(value)")
            #expect(response.status == .badRequest)
            #expect(response.errorMessage.contains("'min_duration'"))
        }
    }

    @Test("a poisoned distribution: 5e-324 and 1e308 do not block the series")
    func poisonedSeries() async throws {
        try await withApp { client in
            let first = try await client.post("/api/v1/metrics", #"{"metrics":[{"name":"api.lat","kind":"timing","value":10}]}"#)
            #expect(first.status == .ok)
            let poison = try await client.post(
                "/api/v1/metrics", #"{"metrics":[{"name":"api.lat","kind":"timing","value":5e-324},{"name":"api.lat","kind":"timing","value":1e308}]}"#)
            #expect(poison.status.code < 500, "\(poison.status)")
            for _ in 0..<3 {
                let later = try await client.post("/api/v1/metrics", #"{"metrics":[{"name":"api.lat","kind":"timing","value":10}]}"#)
                #expect(later.status == .ok, "\(later.status)")
            }
            let p50 = try await client.get("/api/v1/query?metric=api.lat&stat=p50&from=-5m")
            #expect(p50.status == .ok)
            let points = ((p50.json["series"] as? [[String: Any]])?.first?["points"] as? [[Double]]) ?? []
            let value = try #require(points.first?[1])
            #expect(abs(value - 10) / 10 <= 0.01)
        }
    }

    @Test("a silence whose duration or end overflows is clamped, not trapped on")
    func silenceTimes() async throws {
        try await withApp { client in
            let huge = try await client.post("/api/v1/silences", #"{"matchers":["alertname=X"],"duration":"9223372036854775807ms"}"#)
            #expect(huge.status.code < 500, "\(huge.status)")
            let number = try await client.post("/api/v1/silences", #"{"matchers":["alertname=X"],"endsAt":1e300}"#)
            #expect(number.status.code < 500, "\(number.status)")
            #expect(try await client.get("/healthz").status == .ok)
        }
    }
}
