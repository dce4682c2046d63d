import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import PerfwatchServer
import PerfwatchServerTesting
import PerfwatchTesting
import Testing

@Suite("API keys")
struct AuthKeyTests {
    @Test("a key of one space, a short key or one with whitespace is refused at load, naming the key")
    func keyRules() throws {
        for bad in [" ", "short-key", "has a space in it 0123", "tab\tinside-0123456789"] {
            var configuration = ServerConfiguration()
            let yaml = "auth:\n  keys: [{key: \"\(bad.replacingOccurrences(of: "\t", with: "\\t"))\", scopes: [read]}]"
            do {
                try configuration.apply(yaml: yaml, source: "perfwatch.yml")
                Issue.record("key '\(bad)' was accepted")
            } catch let error as ConfigurationError {
                #expect(error.description.hasPrefix("perfwatch.yml:2: auth.keys[0].key: "), "\(error)")
            }
            #expect(throws: ConfigurationError.self) { try configuration.apply(environment: ["PERFWATCH_API_KEY": bad]) }
        }
        var configuration = ServerConfiguration()
        try configuration.apply(yaml: "auth:\n  keys: [{key: \"\(TestKeys.read)\", scopes: [read]}]")
        #expect(configuration.apiKeys.count == 1)
    }

    @Test("a single-space key cannot open the server to 0.0.0.0 (reproduced)")
    func spaceKeyOnNetwork() {
        var configuration = ServerConfiguration()
        configuration.host = "0.0.0.0"
        configuration.apiKeys = [.init(key: " ", scopes: ["read", "ingest", "admin"])]
        do {
            try configuration.validate()
            Issue.record("validate accepted a key of one space")
        } catch {
            #expect("\(error)".contains("whitespace"))
        }
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(String(repeating: "a", count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("keys create stores only a digest; the key works, list shows its prefix, revoke stops it")
    func storedKeys() async throws {
        try await withTemporaryDirectory { directory in
            let file = APIKeyFile(dataDirectory: directory)
            let (key, stored) = try file.create(name: "ci", scopes: [.ingest])
            #expect(key.hasPrefix("pwk_") && key.count == 44)
            let text = try String(contentsOfFile: file.path, encoding: .utf8)
            #expect(!text.contains(key), "the key itself must not be stored")
            #expect(text.contains(stored.sha256) && stored.sha256 == SHA256.hex(key))
            // A second key stays, so auth stays on after "ci" is revoked (no key at all turns it off on loopback).
            _ = try file.create(name: "viewer", scopes: [.read])
            #expect(try file.load().map(\.name) == ["ci", "viewer"])
            #expect(throws: ConfigurationError.self) { try file.create(name: "ci", scopes: [.read]) }
            #expect(throws: ConfigurationError.self) { try file.create(name: "bad name", scopes: [.read]) }

            var configuration = ServerConfiguration.testing(dataDirectory: directory)
            configuration.host = "0.0.0.0"
            #expect(throws: Never.self) { try configuration.validate() }
            configuration.host = "127.0.0.1"
            let app = try await buildApplication(configuration: configuration, logger: .testing)
            try await app.test(.router) { client in
                let body = ByteBuffer(string: metricsBody([timing(1)]))
                let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]
                #expect(try await client.execute(uri: "/api/v1/metrics", method: .post, headers: headers, body: body).status == .ok)
                // Stored keys turn auth on: no key is now a 401.
                #expect(try await client.execute(uri: "/api/v1/metrics", method: .post, body: body).status == .unauthorized)
                #expect(try await client.execute(uri: "/api/v1/metrics", method: .get, headers: headers).status == .forbidden)
                _ = try file.revoke("ci")
                try await Task.sleep(for: .milliseconds(1100))
                let revoked = try await client.execute(uri: "/api/v1/metrics", method: .post, headers: headers, body: body)
                #expect(revoked.status == .unauthorized)
                #expect(revoked.errorMessage == "unknown API key")
            }
            #expect(try file.load().map(\.name) == ["viewer"])
            #expect(throws: ConfigurationError.self) { try file.revoke("ci") }
        }
    }

    @Test("keys created at the same time are all kept")
    func concurrentCreates() async throws {
        try await withTemporaryDirectory { directory in
            let file = APIKeyFile(dataDirectory: directory)
            DispatchQueue.concurrentPerform(iterations: 8) { index in
                _ = try? file.create(name: "k\(index)", scopes: [.read])
            }
            let names = try file.load().map(\.name)
            #expect(Set(names) == Set((0..<8).map { "k\($0)" }))
        }
    }
}
