import PerfwatchModel
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// API alert rules, silences and alerting runtime snapshots in the embedded store (migration
/// `v9-alert-rules-and-state`), across closing and reopening the data directory.
@Suite("Alert state store")
struct AlertStateStoreTests {
    func open(_ directory: String) throws -> EmbeddedStore {
        try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
    }

    @Test("API rules are upserted by name, deleted, and survive reopening")
    func rules() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try open(directory)
                try await store.saveAlertRule(StoredAlertRule(name: "B", group: "api", intervalMs: 15_000, ruleJSON: "{\"v\":1}", createdMs: 1, updatedMs: 1))
                try await store.saveAlertRule(StoredAlertRule(name: "A", group: "api", intervalMs: 15_000, ruleJSON: "{}", createdMs: 2, updatedMs: 2))
                try await store.saveAlertRule(StoredAlertRule(name: "B", group: "api", intervalMs: 30_000, ruleJSON: "{\"v\":2}", createdMs: 9, updatedMs: 3))
                #expect(try await store.deleteAlertRule(name: "A") == true)
                #expect(try await store.deleteAlertRule(name: "A") == false)
            }
            let rules = try await open(directory).alertRules()
            #expect(rules == [StoredAlertRule(name: "B", group: "api", intervalMs: 30_000, ruleJSON: "{\"v\":2}", createdMs: 1, updatedMs: 3)])
        }
    }

    @Test("silences survive reopening until they end")
    func silences() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try open(directory)
                try await store.saveSilence(id: "s1", json: "{\"id\":\"s1\"}", endsMs: 2_000)
                try await store.saveSilence(id: "s2", json: "{\"id\":\"s2\"}", endsMs: 5_000)
                try await store.saveSilence(id: "gone", json: "{}", endsMs: 5_000)
                try await store.deleteSilence(id: "gone")
            }
            let store = try open(directory)
            #expect(try await store.silences(nowMs: 1_000) == ["{\"id\":\"s1\"}", "{\"id\":\"s2\"}"])
            #expect(try await store.silences(nowMs: 3_000) == ["{\"id\":\"s2\"}"])
            #expect(try await store.silences(nowMs: 1_000) == ["{\"id\":\"s2\"}"], "expired silences are deleted")
        }
    }

    @Test("runtime snapshots are replaced by name and survive reopening")
    func runtimeState() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try open(directory)
                #expect(try await store.alertRuntimeState("evaluator") == nil)
                try await store.saveAlertRuntimeState("evaluator", json: "{\"entries\":[]}", atMs: 1)
                try await store.saveAlertRuntimeState("evaluator", json: "{\"entries\":[1]}", atMs: 2)
                try await store.saveAlertRuntimeState("notifications", json: "{}", atMs: 2)
            }
            let store = try open(directory)
            #expect(try await store.alertRuntimeState("evaluator") == "{\"entries\":[1]}")
            #expect(try await store.alertRuntimeState("notifications") == "{}")
        }
    }
}
