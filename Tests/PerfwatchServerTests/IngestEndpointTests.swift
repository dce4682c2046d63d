import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PerfwatchGzip
import PerfwatchIngest
import PerfwatchModel
import PerfwatchServer
import Testing

@Suite("Ingest endpoints")
struct IngestEndpointTests {
    @Test("POST /api/v1/metrics stores the valid items and reports the rest by index")
    func partialSuccess() async throws {
        try await withApp { client in
            let response = try await client.post(
                "/api/v1/metrics",
                metricsBody([timing(10), #"{"name":"x","kind":"bogus","value":1}"#, timing(20, route: "/b"), #"{"name":"y","kind":"gauge","value":"NaN"}"#]))
            #expect(response.status == .ok)
            #expect(response.json["accepted"] as? Int == 2)
            let rejected = response.json["rejected"] as? [[String: Any]] ?? []
            #expect(rejected.map { $0["index"] as? Int } == [1, 3])
            #expect((rejected.first?["error"] as? String)?.contains("bogus") == true)
            let query = try await client.get("/api/v1/query?metric=api.request.duration&stat=count&by=route&from=-5m")
            let series = query.json["series"] as? [[String: Any]] ?? []
            #expect(series.count == 2)
        }
    }

    @Test("malformed JSON is a 400 naming the position, and earlier data survives")
    func malformed() async throws {
        try await withApp { client in
            try await client.post("/api/v1/metrics", metricsBody([timing(5)]))
            let response = try await client.post("/api/v1/metrics", #"{"metrics":[{"name":"a",]}"#)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "bad_request")
            #expect(response.errorMessage.contains("line 1") || response.errorMessage.contains("column") || response.errorMessage.contains("offset"), "\(response.errorMessage)")
            let query = try await client.get("/api/v1/query?metric=api.request.duration&stat=count&from=-5m")
            #expect(((query.json["series"] as? [[String: Any]])?.first?["points"] as? [[Double]])?.first?[1] == 1)
        }
    }

    @Test("gzip bodies are accepted; a gzip bomb and an oversized body get 413")
    func sizes() async throws {
        try await withApp({ $0.maxBodyBytes = 64 * 1024 }) { client in
            let body = metricsBody((0..<100).map { timing(Double($0)) })
            let zipped = GzipDeflater.gzip(Array(body.utf8))
            let ok = try await client.execute(
                uri: "/api/v1/metrics", method: .post, headers: [.contentType: "application/json", .contentEncoding: "gzip"],
                body: ByteBuffer(bytes: zipped))
            #expect(ok.status == .ok)
            #expect(ok.json["accepted"] as? Int == 100)
            let bomb = GzipDeflater.gzip([UInt8](repeating: 32, count: 10 << 20))
            let bombed = try await client.execute(
                uri: "/api/v1/metrics", method: .post, headers: [.contentEncoding: "gzip"], body: ByteBuffer(bytes: bomb))
            #expect(bombed.status == .contentTooLarge)
            #expect(bombed.errorMessage.contains("limit"))
            let large = try await client.post("/api/v1/metrics", String(repeating: " ", count: 70 * 1024))
            #expect(large.status == .contentTooLarge)
            let health = try await client.get("/healthz")
            #expect(health.status == .ok)
        }
    }

    @Test("Prometheus text is imported; a bad line is a 400 with its number and stores nothing")
    func prometheus() async throws {
        try await withApp { client in
            let now = TimeParsing.nowMs()
            let text = """
                # TYPE http_requests_total counter
                http_requests_total{code="200"} 100 \(now - 60_000)
                http_requests_total{code="200"} 160 \(now)
                # TYPE mem gauge
                mem 512
                """
            let ok = try await client.post("/api/v1/import/prometheus", text, headers: [:])
            #expect(ok.status == .ok)
            #expect(ok.json["accepted"] as? Int == 3)
            let rate = try await client.get("/api/v1/query?metric=http_requests_total&stat=sum&from=-5m")
            #expect(((rate.json["series"] as? [[String: Any]])?.first?["points"] as? [[Double]])?.first?[1] == 60)
            let bad = try await client.post("/api/v1/import/prometheus", "good_one 1\nbroken{ 2\n", headers: [:])
            #expect(bad.status == .badRequest)
            #expect(bad.errorMessage.hasPrefix("line 2:"))
            let nothing = try await client.get("/api/v1/query?metric=good_one&stat=last&from=-5m")
            #expect((nothing.json["series"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("wrong methods get 405 with Allow; unknown paths a JSON 404")
    func methods() async throws {
        try await withApp { client in
            let delete = try await client.execute(uri: "/api/v1/metrics", method: .delete)
            #expect(delete.status == .methodNotAllowed)
            #expect(delete.headers[.allow]?.contains("POST") == true)
            let getImport = try await client.get("/api/v1/import/prometheus")
            #expect(getImport.status == .methodNotAllowed)
            // POST is Prometheus' instant query (issue 19, Grafana's default); other methods stay refused.
            let putQuery = try await client.execute(uri: "/api/v1/query", method: .put, body: ByteBuffer(string: "{}"))
            #expect(putQuery.status == .methodNotAllowed)
            #expect(putQuery.headers[.allow] == "GET, POST")
            let missing = try await client.get("/api/v1/nothing-here")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
        }
    }

    @Test("an unsupported content type or encoding is a 415")
    func mediaTypes() async throws {
        try await withApp { client in
            let protobuf = try await client.post("/api/v1/metrics", "x", headers: [.contentType: "application/x-protobuf"])
            #expect(protobuf.status == .unsupportedMediaType)
            let brotli = try await client.post("/api/v1/metrics", "x", headers: [.contentEncoding: "br"])
            #expect(brotli.status == .unsupportedMediaType)
        }
    }
}
