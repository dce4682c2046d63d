import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import HTTPTypes
import PerfwatchServer
import PerfwatchStorage
import Testing

@Suite("Operations endpoints, dashboard and auth")
struct OpsEndpointTests {
    @Test("health, readiness and self-metrics")
    func health() async throws {
        try await withApp { client in
            #expect(try await client.get("/healthz").status == .ok)
            #expect(try await client.get("/readyz").status == .ok)
            try await client.post("/api/v1/metrics", metricsBody([timing(1), #"{"name":"","kind":"gauge","value":1}"#]))
            let metrics = try await client.get("/metrics")
            #expect(metrics.text.contains("perfwatch_ingested_samples_total 1"))
            #expect(metrics.text.contains("perfwatch_rejected_samples_total{reason=\"invalid_name\"} 1"))
            #expect(metrics.text.contains("perfwatch_commit_duration_seconds_count"))
            #expect(metrics.text.contains("perfwatch_storage_bytes"))
        }
    }

    @Test("the overview has the four health tiles")
    func overview() async throws {
        try await withApp { client in
            let response = try await client.get("/api/v1/overview")
            let tiles = response.json["tiles"] as? [[String: Any]] ?? []
            #expect(tiles.map { $0["id"] as? String } == ["cpu", "memory", "disk", "ingest"])
        }
    }

    @Test("the dashboard and its assets are served from the binary")
    func dashboard() async throws {
        try await withApp { client in
            let index = try await client.get("/")
            #expect(index.status == .ok)
            #expect(index.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(index.text.contains("/assets/app.js"))
            for asset in ["app.js", "chart.js", "style.css"] {
                #expect(try await client.get("/assets/\(asset)").status == .ok)
            }
            #expect(try await client.get("/assets/nope.js").status == .notFound)
        }
    }

    @Test("the embedded dashboard matches dashboard/ (run scripts/embed_dashboard.py after editing)")
    func embeddedIsFresh() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/embed_dashboard.py").path, "--check"]
        process.currentDirectoryURL = root
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("with API keys: 401 without a key, 403 without the scope, 200 with it")
    func auth() async throws {
        try await withApp({
            $0.apiKeys = [.init(key: "reader-0123456789abc", scopes: ["read"]), .init(key: "writer-0123456789abc", scopes: ["ingest"])]
        }) { client in
            let anonymous = try await client.post("/api/v1/metrics", metricsBody([timing(1)]))
            #expect(anonymous.status == .unauthorized)
            let wrongScope = try await client.post("/api/v1/metrics", metricsBody([timing(1)]), headers: [.authorization: "Bearer reader-0123456789abc"])
            #expect(wrongScope.status == .forbidden)
            let written = try await client.post("/api/v1/metrics", metricsBody([timing(1)]), headers: [.authorization: "Bearer writer-0123456789abc"])
            #expect(written.status == .ok)
            let read = try await client.execute(uri: "/api/v1/metrics", method: .get, headers: [HTTPField.Name("X-API-Key")!: "reader-0123456789abc"])
            #expect(read.status == .ok)
            #expect(try await client.get("/healthz").status == .ok)
        }
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    @Test("file, then environment, then flags; unknown keys list the valid ones")
    func precedence() throws {
        var configuration = ServerConfiguration()
        try configuration.apply(yaml: "server: {port: 5000}\nstorage: {path: /tmp/x, retention: {raw: 1d, spans: 3d}}\nlimits: {max_series_per_query: 7}")
        #expect(configuration.port == 5000)
        #expect(configuration.retention.rawMs == 86_400_000)
        #expect(configuration.retention.spansMs == 3 * 86_400_000)
        #expect(configuration.maxSeriesPerQuery == 7)
        try configuration.apply(environment: ["PERFWATCH_PORT": "6000", "PERFWATCH_DATA": "/tmp/y"])
        #expect(configuration.port == 6000)
        #expect(configuration.dataDirectory == "/tmp/y")
        #expect(throws: ConfigurationError.self) { try configuration.apply(yaml: "server: {prot: 1}") }
        do { try configuration.apply(yaml: "storage: {retention: {raw: forever}}") } catch let error as ConfigurationError {
            #expect(error.description.contains("storage.retention.raw"))
        }
    }

    @Test("a non-loopback address without API keys is refused")
    func openNetwork() {
        var configuration = ServerConfiguration()
        configuration.host = "0.0.0.0"
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        configuration.apiKeys = [.init(key: "k-0123456789abcdef", scopes: ["read"])]
        #expect(throws: Never.self) { try configuration.validate() }
    }
}
