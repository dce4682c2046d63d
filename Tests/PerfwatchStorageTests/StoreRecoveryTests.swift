import Foundation
import PerfwatchModel
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// Issue 13: a corrupted or truncated SQLite file at start gives a clear message and a way
/// back (`perfwatch store check|repair`), never a crash or a restart loop that cannot succeed.
@Suite("Store check and repair")
struct StoreRecoveryTests {
    func fill(_ directory: String, series: Int) async throws {
        let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
        let now = TimeParsing.nowMs()
        let points = (0..<series).map { index in
            MetricPoint(
                series: SeriesKey(metric: "queue.depth", labels: Labels(["host": "h\(index)"])), kind: .gauge, temporality: .delta,
                unit: "", sample: Sample(timeMs: now - 1000, value: Double(index)))
        }
        _ = try await store.append(points)
        try await store.compact()
    }

    func overwrite(_ path: String, at offset: UInt64, bytes: Int) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: bytes))
        try handle.close()
    }

    @Test("a file that is not a database: opening names the damage and the commands; repair starts empty and keeps the file")
    func headerDestroyed() async throws {
        try await withTemporaryDirectory { directory in
            try await fill(directory, series: 10)
            try overwrite(directory + "/perfwatch.sqlite", at: 0, bytes: 100)
            #expect(throws: DamagedStoreError.self) { _ = try EmbeddedStore(configuration: .init(directory: directory)) }
            do {
                _ = try EmbeddedStore(configuration: .init(directory: directory))
            } catch let error as DamagedStoreError {
                #expect(error.description.contains("perfwatch store repair --data \(directory)"))
            }
            #expect(!(try EmbeddedStoreRecovery.check(directory: directory)).isHealthy)
            let report = try EmbeddedStoreRecovery.repair(directory: directory)
            #expect(report.unreadable != nil)
            #expect(FileManager.default.fileExists(atPath: report.keptAt + "/perfwatch.sqlite"))
            #expect(try EmbeddedStoreRecovery.check(directory: directory).isHealthy)
            let store = try EmbeddedStore(configuration: .init(directory: directory))
            #expect(store.series(metric: "queue.depth").isEmpty)
        }
    }

    @Test("a healthy store checks ok and a repair keeps every row")
    func healthyRepairKeepsEverything() async throws {
        try await withTemporaryDirectory { directory in
            try await fill(directory, series: 50)
            #expect(try EmbeddedStoreRecovery.check(directory: directory).isHealthy)
            let report = try EmbeddedStoreRecovery.repair(directory: directory)
            #expect(report.unreadable == nil)
            #expect(report.tables.allSatisfy { $0.stoppedBy == nil })
            #expect(report.tables.first { $0.name == "series" }?.copiedRows == 50)
            let store = try EmbeddedStore(configuration: .init(directory: directory))
            #expect(store.series(metric: "queue.depth").count == 50)
        }
    }

    @Test("check and repair refuse to run beside a server holding the directory")
    func lockedDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let running = try EmbeddedStore(configuration: .init(directory: directory))
            #expect(throws: PerfwatchError.self) { _ = try EmbeddedStoreRecovery.check(directory: directory) }
            #expect(throws: PerfwatchError.self) { _ = try EmbeddedStoreRecovery.repair(directory: directory) }
            withExtendedLifetime(running) {}
        }
    }
}
