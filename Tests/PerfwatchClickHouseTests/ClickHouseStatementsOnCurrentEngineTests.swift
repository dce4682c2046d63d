import Foundation
@testable import PerfwatchClickHouse
import PerfwatchModel
import PerfwatchSketch
import PerfwatchStorage
import PerfwatchTesting
import Testing

/// Every statement the store generates, run on a current ClickHouse through chdb (PyPI, in
/// process) by scripts/check_clickhouse_statements.py; the server tests run them on 18.16. The
/// INSERTs carry rows made by the store's own encoders, and the sample SELECT must answer
/// exactly the bytes inserted, so RowBinary is checked both ways on the current engine too.
@Suite("ClickHouse statements on a current engine (chdb)")
struct ClickHouseStatementsOnCurrentEngineTests {
    struct Statement: Encodable {
        var sql: String
        var structure: String?
        var rows_hex: String?
        var expect_hex: String?
        var expect_rows: Bool?
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func statements(database db: String = "perfwatch_chdb") throws -> [Statement] {
        let start: Int64 = 1_764_547_200_000
        var list = ClickHouseSchema.allStatements(database: db).map { Statement(sql: $0) }
        list.append(Statement(
            sql: ClickHouseStatements.insertMigration(db), structure: ClickHouseStatements.migrationColumns,
            rows_hex: hex(ClickHouseRows.migration(version: 1, description: "check", appliedMs: start))))
        list.append(Statement(sql: ClickHouseStatements.selectAppliedMigrations(db), expect_hex: hex((1 as Int64).littleEndianBytes)))
        let key = SeriesKey(metric: "http.latency", labels: Labels(["route": "/a"]))
        let series = SeriesInfo(id: SeriesIdentity.id(of: key), key: key, kind: .distribution, temporality: .delta, unit: "ms")
        let gaugeKey = SeriesKey(metric: "queue", labels: Labels())
        let gauge = SeriesInfo(id: SeriesIdentity.id(of: gaugeKey), key: gaugeKey, kind: .gauge, temporality: .delta, unit: "")
        list.append(Statement(
            sql: ClickHouseStatements.insertSeries(db), structure: ClickHouseStatements.seriesColumns,
            rows_hex: hex(ClickHouseRows.series([series, gauge], createdMs: start))))
        list.append(Statement(sql: ClickHouseStatements.selectSeries(db), expect_rows: true))
        let samples = (0..<5).map { ClickHouseRows.SampleRow(seriesID: gauge.id, sample: Sample(timeMs: start + Int64($0), value: 0.1 * Double($0))) }
        let sampleRows = ClickHouseRows.samples(samples)
        list.append(Statement(sql: ClickHouseStatements.insertSamples(db), structure: ClickHouseStatements.sampleColumns, rows_hex: hex(sampleRows)))
        list.append(Statement(sql: ClickHouseStatements.selectSamples(db, seriesIDs: [gauge.id, 42], from: start, to: start + 10), expect_hex: hex(sampleRows)))
        var sketch = QuantileSketch()
        for value in TestDistribution.bimodal.values(count: 100, seed: 1) { sketch.add(value) }
        let distributionRows = try ClickHouseRows.distributions([
            .init(seriesID: series.id, bucketStart: start, sketch: sketch), .init(seriesID: series.id, bucketStart: start + 10_000, sketch: sketch),
        ])
        list.append(Statement(
            sql: ClickHouseStatements.insertDistributions(db), structure: ClickHouseStatements.distributionColumns, rows_hex: hex(distributionRows)))
        for resolution in Resolution.allCases {
            for withSketches in [true, false] {
                list.append(Statement(
                    sql: ClickHouseStatements.selectDistributions(
                        db, seriesIDs: [series.id], from: start, to: start + 3_600_000, resolution: resolution, withSketches: withSketches),
                    expect_rows: true))
            }
        }
        list.append(Statement(sql: ClickHouseStatements.selectPartitions(db), expect_rows: true))
        list.append(Statement(sql: ClickHouseStatements.selectStorageBytes(db), expect_rows: true))
        list.append(Statement(sql: ClickHouseStatements.dropPartition(db, table: "samples", day: start / 86_400_000)))
        list.append(Statement(sql: ClickHouseStatements.selectSamples(db, seriesIDs: [gauge.id], from: start, to: start + 10), expect_hex: ""))
        return list
    }

    @Test("every DDL, INSERT and SELECT the store makes runs on chdb and answers as on 18.16")
    func statementsRunOnChdb() throws {
        let directory = try TemporaryDirectory(prefix: "perfwatch-chdb")
        defer { directory.remove() }
        let file = directory.path + "/statements.json"
        try JSONEncoder().encode(try Self.statements()).write(to: URL(fileURLWithPath: file))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/check_clickhouse_statements.py").standardized.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, file]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("statements ran on chdb as expected"), "\(text)")
    }
}

extension Int64 {
    var littleEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> (8 * $0)) } }
}
