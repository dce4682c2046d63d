import Foundation
@testable import PerfwatchClickHouse
import PerfwatchModel
import PerfwatchStorage
import Testing

/// The server of `PERFWATCH_TEST_CLICKHOUSE_URL` (outside the suite: its trait reads it).
enum TestServer {
    static let url = ProcessInfo.processInfo.environment["PERFWATCH_TEST_CLICKHOUSE_URL"]
    static let skipReason: Comment = "PERFWATCH_TEST_CLICKHOUSE_URL is unset: scripts/test.sh starts a private ClickHouse and sets it"
}

/// Against the private server of `PERFWATCH_TEST_CLICKHOUSE_URL` (scripts/start_clickhouse.sh;
/// Debian's 18.16 in scripts/test.sh). What every backend must do is in the contract suite
/// (PerfwatchStorageContractTests); these are the ClickHouse backend's own promises.
@Suite("ClickHouse backend on a server", .enabled(if: TestServer.url != nil, TestServer.skipReason))
struct ClickHouseServerTests {

    /// A store on a database of its own, dropped after `body`.
    func withDatabase<T>(_ body: (ClickHouseLocation) async throws -> T) async throws -> T {
        let location = try ClickHouseLocation(parsing: TestServer.url!).with(database: "pw_test_" + UUID().uuidString.prefix(8).lowercased())
        defer { Task { _ = try? await ClickHouseHTTP(location: location).execute("DROP DATABASE IF EXISTS \(location.database)") } }
        return try await body(location)
    }

    @Test("migrations are recorded once; a database from a newer perfwatch is refused")
    func migrations() async throws {
        try await withDatabase { location in
            let http = ClickHouseHTTP(location: location)
            _ = try await ClickHouseStore.open(location: location)
            _ = try await ClickHouseStore.open(location: location)
            let versions = String(decoding: try await http.execute("SELECT version FROM \(location.database).perfwatch_migrations ORDER BY version"), as: UTF8.self)
            #expect(versions == "1\n")
            try await http.insert(ClickHouseStatements.insertMigration(location.database), rows: ClickHouseRows.migration(version: 99, description: "future", appliedMs: 0))
            do {
                _ = try await ClickHouseStore.open(location: location)
                Issue.record("opened a database with schema version 99")
            } catch let error as PerfwatchError {
                #expect(error.message.contains("schema version 99, newer than this perfwatch knows (1)"), "\(error.message)")
            }
        }
    }

    @Test("a write with spans or browser records is refused whole: nothing of it is stored")
    func refusesWhatItCannotStore() async throws {
        try await withDatabase { location in
            let store = try await ClickHouseStore.open(location: location)
            var payload = IngestPayload(points: PointBatch([
                MetricPoint(series: SeriesKey(metric: "m", labels: Labels()), kind: .gauge, sample: Sample(timeMs: 1_764_547_200_000, value: 1))
            ]))
            payload.rum.pageViews.append(
                RUMPageView(
                    context: RUMContext(page: "/", device: "desktop", release: "", pageViewID: "p", sessionID: "s", receivedMs: 0),
                    url: "https://shop.example/", connection: "4g", beaconJSON: "{}"))
            do {
                _ = try await store.append(payload)
                Issue.record("a payload with a page view was accepted")
            } catch let error as PerfwatchError {
                #expect(error.code == .unprocessable)
                #expect(error.message.contains("metrics only so far") && error.message.contains("1 browser records"), "\(error.message)")
            }
            #expect(store.allSeries().isEmpty)
            let rows = String(decoding: try await ClickHouseHTTP(location: location).execute("SELECT count() FROM \(location.database).samples"), as: UTF8.self)
            #expect(rows == "0\n")
        }
    }

    @Test("distribution rows are written once at 10 s; ClickHouse's views write the 1 m and 1 h rows")
    func rollupsInsideClickHouse() async throws {
        try await withDatabase { location in
            let store = try await ClickHouseStore.open(location: location)
            let start: Int64 = 1_764_547_200_000
            _ = try await store.append((0..<30).map {
                MetricPoint(series: SeriesKey(metric: "t", labels: Labels()), kind: .distribution, sample: Sample(timeMs: start + Int64($0) * 10_000, value: Double($0 + 1)))
            })
            let http = ClickHouseHTTP(location: location)
            for (table, rows) in [("distributions_10s", 30), ("distributions_1m", 30), ("distributions_1h", 30)] {
                let answer = String(decoding: try await http.execute("SELECT count(), sum(count) FROM \(location.database).\(table)"), as: UTF8.self)
                #expect(answer == "\(rows)\t30\n", "\(table)")
            }
            let minutes = try await store.readDistributions(
                seriesIDs: store.allSeries().map(\.id), from: start, to: start + 3_600_000, resolution: .oneMinute, withSketches: true)
            #expect(minutes.values.first?.map(\.count) == [6, 6, 6, 6, 6])
            #expect(store.storageBytes() >= 0)
        }
    }

    @Test("every statement of the chdb check runs on this server and answers the same")
    func statementsRunOnServer() async throws {
        try await withDatabase { location in
            let http = ClickHouseHTTP(location: location)
            for statement in try ClickHouseStatementsOnCurrentEngineTests.statements(database: location.database) {
                if let rows = statement.rows_hex {
                    try await http.insert(statement.sql, rows: Self.bytes(hex: rows))
                    continue
                }
                let answer = try await http.execute(statement.sql)
                if let expected = statement.expect_hex {
                    #expect(ClickHouseStatementsOnCurrentEngineTests.hex(answer) == expected, "\(statement.sql)")
                }
                if statement.expect_rows == true { #expect(!answer.isEmpty, "\(statement.sql)") }
            }
        }
    }

    static func bytes(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
