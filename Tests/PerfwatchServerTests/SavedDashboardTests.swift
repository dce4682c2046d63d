import Foundation
import PerfwatchConfig
@testable import PerfwatchServer
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// Saved dashboards (issue 15): the document reader names what is wrong, an export reads back as the
/// same board, and the store keeps, replaces and deletes boards.
@Suite("Saved dashboards")
struct SavedDashboardTests {
    static func parse(_ json: String) throws(ConfigError) -> DashboardDocument {
        try DashboardDocument.parse(json: Array(json.utf8))
    }

    @Test("a board with defaults; its canonical JSON (and an export with id and times) reads back equal")
    func roundTrip() throws {
        let board = try Self.parse(#"{"name":" Checkout ","panels":[{"metric":"http.server.duration","by":["route"]},{"metric":"orders","stat":"rate","chart":"value","width":2,"where":["service=shop"]}]}"#)
        #expect(board.name == "Checkout" && board.range == "1h" && board.panels.count == 2)
        #expect(board.panels[0] == .init(title: "", metric: "http.server.duration", stat: "p95", by: ["route"], where: [], chart: "line", width: 1))
        #expect(try Self.parse(board.jsonText) == board)
        let export = #"{"id":4,"created_at":1,"updated_at":2,"#.dropLast(0) + board.jsonText.dropFirst()
        #expect(try Self.parse(String(export)) == board)
    }

    @Test(
        "bad boards are refused naming the field",
        arguments: [
            (#"{"panels":[]}"#, "dashboard.name: required field is missing"),
            (#"{"name":""}"#, "dashboard.name: a name of 1 to 100 characters"),
            (#"{"name":"a","range":"2d"}"#, "dashboard.range: one of 15m, 1h, 6h, 24h, 7d"),
            (#"{"name":"a","panels":[{"stat":"p95"}]}"#, "dashboard.panels[0].metric: required field is missing"),
            (#"{"name":"a","panels":[{"metric":"m","chart":"pie"}]}"#, "dashboard.panels[0].chart: one of line, bar, value, table"),
            (#"{"name":"a","panels":[{"metric":"m","stat":"median"}]}"#, "dashboard.panels[0].stat: unknown stat \"median\""),
            (#"{"name":"a","panels":[{"metric":"m","where":["route"]}]}"#, "\"route\" is not TAG=VALUE or TAG!=VALUE"),
            (#"{"name":"a","panels":[{"metric":"m","width":3}]}"#, "dashboard.panels[0].width: 1 or 2 grid columns"),
            (#"{"name":"a","colour":"red"}"#, "unknown key \"colour\""),
            ("not json", "invalid JSON"),
        ])
    func refused(json: String, expected: String) {
        do {
            _ = try Self.parse(json)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test("the store adds, lists by name, replaces and deletes boards; they survive a reopen")
    func store() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
                let b = try await store.addDashboard(name: "b", json: #"{"name":"b"}"#, nowMs: 10)
                let a = try await store.addDashboard(name: "a", json: #"{"name":"a"}"#, nowMs: 11)
                #expect(try await store.dashboards().map(\.name) == ["a", "b"])
                let replaced = try await store.updateDashboard(id: b.id, name: "c", json: #"{"name":"c"}"#, nowMs: 20)
                #expect(replaced?.createdMs == 10 && replaced?.updatedMs == 20 && replaced?.name == "c")
                #expect(try await store.updateDashboard(id: 99, name: "x", json: "{}", nowMs: 20) == nil)
                #expect(try await store.deleteDashboard(id: a.id))
                #expect(try await !store.deleteDashboard(id: a.id))

            }
            let reopened = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            #expect(try await reopened.dashboards().map(\.name) == ["c"])

        }
    }
}
