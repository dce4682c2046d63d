import PerfwatchAlerting
import Synchronization
@testable import PerfwatchServer
import Testing

/// Alert rules grouped by a query `fingerprint` get the statement it stands for, so messages
/// name the query instead of its hash (issue 15).
@Suite("Alert statements")
struct AlertStatementTests {
    @Test("samples by fingerprint get the statement, one line, cut to 80 characters; unknown ones the fingerprint")
    func describesFingerprints() async {
        let long = "SELECT id, title, body, author_id, created_at, updated_at FROM lessons\n    WHERE course_id = ? AND published = ? ORDER BY position"
        let samples = [
            AlertSample(labels: ["fingerprint": "aaaa000000000001", "service": "web"], value: 620),
            AlertSample(labels: ["fingerprint": "aaaa000000000002", "service": "web"], value: 900),
            AlertSample(labels: ["fingerprint": "aaaa000000000003", "service": "web"], value: 12),
        ]
        let described = await QueryAlertDataSource.describingStatements(samples) { fingerprints in
            #expect(Set(fingerprints) == ["aaaa000000000001", "aaaa000000000002", "aaaa000000000003"])
            return ["aaaa000000000001": "SELECT * FROM lessons WHERE course_id = ?", "aaaa000000000002": long]
        }
        #expect(described.map(\.labels) == samples.map(\.labels))
        #expect(described[0].details == ["statement": "SELECT * FROM lessons WHERE course_id = ?"])
        #expect(described[1].details == ["statement": "SELECT id, title, body, author_id, created_at, updated_at FROM lessons WHERE co…"])
        #expect(described[1].details["statement"]?.count == 80)
        #expect(described[2].details == ["statement": "aaaa000000000003"])
    }

    @Test("a failing statement lookup still answers, with fingerprints")
    func lookupFailureIsNotARuleFailure() async {
        struct Unavailable: Error {}
        let sample = AlertSample(labels: ["fingerprint": "aaaa000000000001"], value: 620)
        let described = await QueryAlertDataSource.describingStatements([sample]) { _ in throw Unavailable() }
        #expect(described.first?.details == ["statement": "aaaa000000000001"])
    }

    @Test("statements are read from the store once per fingerprint; unknown ones are asked again; the cache is bounded")
    func cached() async throws {
        let asked = Mutex<[[String]]>([])
        let cache = StatementCache(capacity: 3) { fingerprints in
            asked.withLock { $0.append(fingerprints.sorted()) }
            return Dictionary(uniqueKeysWithValues: fingerprints.filter { $0 != "unknown" }.map { ($0, "SELECT \($0)") })
        }
        #expect(try await cache.statements(["a", "b", "unknown"]) == ["a": "SELECT a", "b": "SELECT b"])
        #expect(try await cache.statements(["a", "b"]) == ["a": "SELECT a", "b": "SELECT b"])
        #expect(try await cache.statements(["a", "unknown"]) == ["a": "SELECT a"])
        #expect(asked.withLock { $0 } == [["a", "b", "unknown"], ["unknown"]])
        _ = try await cache.statements(["c", "d"])  // over capacity: starts over
        _ = try await cache.statements(["a"])
        #expect(asked.withLock { $0 }.last == ["a"])
    }
}
