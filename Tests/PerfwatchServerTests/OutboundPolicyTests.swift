@testable import PerfwatchServer
import PerfwatchModel
import Testing

@Suite("Outbound allow-list")
struct OutboundPolicyTests {
    /// A resolver that answers from a table, so the tests need no DNS.
    static func resolver(_ table: [String: [String]]) -> (String) -> [[UInt8]] {
        { host in (table[host] ?? []).compactMap(OutboundPolicy.parseAddress) }
    }

    @Test("by default internal addresses are refused, in every spelling; public ones pass")
    func defaults() throws {
        let policy = OutboundPolicy()
        let names = Self.resolver([
            "localhost": ["127.0.0.1", "::1"], "metadata.internal": ["169.254.169.254"], "intranet": ["10.1.2.3"],
            "hooks.example.com": ["93.184.216.34"], "mixed.example.com": ["93.184.216.34", "192.168.1.1"],
        ])
        for url in [
            "http://127.0.0.1/x", "http://localhost:8080/hook", "https://[::1]/", "http://[::ffff:127.0.0.1]/",
            "http://[64:ff9b::a00:1]/", "http://[2002:7f00:1::]/", "http://169.254.169.254/latest/meta-data",
            "http://metadata.internal/", "http://intranet/", "http://0.0.0.0:4318/", "http://user:pw@10.0.0.1/",
            "http://[fd00::1]/", "http://[fe80::1]/", "http://100.64.0.1/", "http://172.31.255.255/", "http://mixed.example.com/",
        ] {
            #expect(throws: PerfwatchError.self, "\(url) was allowed") { try policy.check(url: url, resolve: names) }
        }
        try policy.check(url: "https://hooks.example.com/services/T0/B0", resolve: names)
        try policy.check(url: "http://93.184.216.34:8443/x", resolve: names)
        try policy.check(url: "http://172.32.0.1/x", resolve: names)
        #expect(throws: PerfwatchError.self) { try policy.check(url: "ftp://hooks.example.com/", resolve: names) }
        #expect(throws: PerfwatchError.self) { try policy.check(url: "http://nowhere.invalid/", resolve: names) }
    }

    @Test("the operator allows networks, addresses, hosts and domains")
    func allowed() throws {
        let names = Self.resolver(["hooks.internal": ["10.9.9.9"], "a.corp.example": ["10.1.1.1"], "other.internal": ["10.9.9.10"]])
        let policy = try OutboundPolicy(allow: ["192.168.0.0/16", "10.9.9.9", "hooks.internal", "*.corp.example", "fd00::/8"])
        try policy.check(url: "http://192.168.4.2/x", resolve: names)
        try policy.check(url: "http://hooks.internal/x", resolve: names)
        try policy.check(url: "http://a.corp.example/x", resolve: names)
        try policy.check(url: "http://[fd12::1]/x", resolve: names)
        // Allowed by address even under another name; other internal addresses stay refused.
        #expect(throws: PerfwatchError.self) { try policy.check(url: "http://other.internal/x", resolve: names) }
        #expect(throws: PerfwatchError.self) { try policy.check(url: "http://127.0.0.1/x", resolve: names) }
    }

    @Test("bad outbound.allow entries are refused at load, naming the entry")
    func badEntries() throws {
        for bad in ["10.0.0.0/33", "not a host", "1.2.3.4/x", "http://x/"] {
            var configuration = ServerConfiguration()
            do {
                try configuration.apply(yaml: "outbound:\n  allow: [\"\(bad)\"]", source: "pw.yml")
                Issue.record("'\(bad)' was accepted")
            } catch let error as ConfigurationError {
                #expect(error.description.hasPrefix("pw.yml:2: outbound.allow[0]: "), "\(error)")
            }
        }
        var configuration = ServerConfiguration()
        try configuration.apply(yaml: "outbound:\n  allow: [10.0.0.0/8, hooks.internal]")
        try configuration.outbound.check(url: "http://10.2.3.4/", resolve: Self.resolver([:]))
    }

    @Test("the system resolver finds localhost, which is refused")
    func realResolver() {
        #expect(!OutboundPolicy.resolve("localhost").isEmpty)
        #expect(throws: PerfwatchError.self) { try OutboundPolicy().check(url: "http://localhost:4318/") }
    }
}
