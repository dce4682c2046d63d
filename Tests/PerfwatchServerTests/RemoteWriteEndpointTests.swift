import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PerfwatchIngest
import PerfwatchModel
import PerfwatchServer
import SwiftProtobuf
import Testing

@Suite("Remote write endpoint")
struct RemoteWriteEndpointTests {
    static let headers: HTTPFields = [
        .contentEncoding: "snappy", .contentType: "application/x-protobuf",
        HTTPField.Name("X-Prometheus-Remote-Write-Version")!: "0.1.0",
    ]

    static func body(_ series: [(labels: [(String, String)], samples: [(Int64, Double)])]) throws -> ByteBuffer {
        let request = Prometheus_WriteRequest.with { request in
            request.timeseries = series.map { entry in
                Prometheus_TimeSeries.with { timeSeries in
                    timeSeries.labels = entry.labels.map { pair in Prometheus_Label.with { $0.name = pair.0; $0.value = pair.1 } }
                    timeSeries.samples = entry.samples.map { sample in Prometheus_Sample.with { $0.timestamp = sample.0; $0.value = sample.1 } }
                }
            }
        }
        return ByteBuffer(bytes: SnappyBlock.compress(try request.serializedBytes()))
    }

    static func write(_ client: any TestClientProtocol, _ body: ByteBuffer, headers: HTTPFields = headers) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/write", method: .post, headers: headers, body: body)
    }

    static func lastValues(_ client: any TestClientProtocol, _ metric: String) async throws -> [String: Double] {
        let response = try await client.get("/api/v1/query?metric=\(metric)&stat=last&from=-10m&by=code")
        let series = response.json["series"] as? [[String: Any]] ?? []
        var values: [String: Double] = [:]
        for entry in series {
            let code = (entry["tags"] as? [String: String])?["code"] ?? ""
            if let value = (entry["points"] as? [[Double]])?.first?[1] { values[code] = value }
        }
        return values
    }

    @Test("a WriteRequest is stored (204), stale markers included, and readable through the query API")
    func stores() async throws {
        let now = TimeParsing.nowMs()
        try await withApp { client in
            let body = try Self.body([
                ([("__name__", "rw_requests_total"), ("code", "200")], [(now - 20_000, 10), (now - 10_000, 12)]),
                ([("__name__", "rw_requests_total"), ("code", "500")], [(now - 20_000, 1), (now - 10_000, Double(bitPattern: 0x7ff0_0000_0000_0002))]),
            ])
            let response = try await Self.write(client, body)
            #expect(response.status == .noContent, "\(response.text)")
            #expect(try await Self.lastValues(client, "rw_requests_total") == ["200": 12, "500": 1])  // the stale marker is skipped here
            let catalog = try await client.get("/api/v1/metrics")
            let metric = (catalog.json["metrics"] as? [[String: Any]])?.first { $0["name"] as? String == "rw_requests_total" }
            #expect(metric?["kind"] as? String == "counter")
        }
    }

    @Test("bad bodies and headers: 4xx naming the problem, nothing of the request stored")
    func badInput() async throws {
        let now = TimeParsing.nowMs()
        try await withApp { client in
            let good = ([("__name__", "rw_bad_total"), ("code", "200")], [(now, 1.0)])
            let cases: [(ByteBuffer, HTTPFields, HTTPResponse.Status, String)] = [
                (ByteBuffer(bytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), Self.headers, .badRequest, "snappy"),
                (ByteBuffer(bytes: SnappyBlock.compress([0x0a, 0x10, 0x01])), Self.headers, .badRequest, "protobuf"),
                (try Self.body([good, ([("code", "1")], [(now, 1)])]), Self.headers, .badRequest, "missing __name__"),
                (try Self.body([good, ([("__name__", "x"), ("bad-label", "1")], [(now, 1)])]), Self.headers, .badRequest, "invalid label name 'bad-label'"),
                (try Self.body([good]), [.contentEncoding: "gzip", .contentType: "application/x-protobuf"], .unsupportedMediaType, "snappy"),
                (try Self.body([good]), [.contentEncoding: "snappy", .contentType: "application/json"], .unsupportedMediaType, "x-protobuf"),
                (
                    try Self.body([good]), [.contentEncoding: "snappy", HTTPField.Name("X-Prometheus-Remote-Write-Version")!: "2.0.0"],
                    .unsupportedMediaType, "2.0.0"
                ),
            ]
            for (body, headers, status, message) in cases {
                let response = try await Self.write(client, body, headers: headers)
                #expect(response.status == status, "\(message): \(response.text)")
                #expect(response.errorMessage.contains(message), "\(response.errorMessage)")
            }
            #expect(try await Self.lastValues(client, "rw_bad_total").isEmpty)
            // The server is still up and takes a good request.
            #expect(try await Self.write(client, try Self.body([good])).status == .noContent)
            #expect(try await Self.lastValues(client, "rw_bad_total") == ["200": 1])
        }
    }

    @Test("a body over the limit is 413 before it is read")
    func overLimit() async throws {
        try await withApp({ $0.maxBodyBytes = 1024 }) { client in
            let big = ByteBuffer(bytes: [UInt8](repeating: 0, count: 4096))
            let response = try await Self.write(client, big)
            #expect(response.status == .contentTooLarge)
        }
    }

    @Test("with API keys: remote write needs the ingest scope, sent as a bearer token")
    func auth() async throws {
        try await withApp({
            $0.apiKeys = [.init(key: "reader-0123456789abc", scopes: ["read"]), .init(key: "writer-0123456789abc", scopes: ["ingest"])]
        }) { client in
            let body = try Self.body([([("__name__", "rw_auth")], [(TimeParsing.nowMs(), 1)])])
            #expect(try await Self.write(client, body).status == .unauthorized)
            var headers = Self.headers
            headers[.authorization] = "Bearer reader-0123456789abc"
            #expect(try await Self.write(client, body, headers: headers).status == .forbidden)
            headers[.authorization] = "Bearer writer-0123456789abc"
            #expect(try await Self.write(client, body, headers: headers).status == .noContent)
        }
    }
}
