// Issue 21: one database advisor pass, timed, for Benchmarks/db_advisor_bench.py (which starts
// PostgreSQL and makes the workload). Runs the advisor as the server does — PostgresDatabaseSource
// on a read-only client, the span side given as literal samples — and prints one JSON line per pass.
//   db-advisor-bench --url postgres://… [--samples FILE] [--passes N] [--explain-limit N] [--statement-limit N]
import Foundation
import PerfwatchAnalysis
import PerfwatchIngest
import PerfwatchPostgres

func argument(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

guard let url = argument("--url") else {
    FileHandle.standardError.write(Data("usage: db-advisor-bench --url postgres://… [--samples FILE] [--passes N] [--explain-limit N] [--statement-limit N]\n".utf8))
    exit(2)
}
let passes = Int(argument("--passes") ?? "3") ?? 3
var settings = DatabaseAdvisorSettings()
if let limit = argument("--explain-limit").flatMap(Int.init) { settings.explainLimit = limit }
if let limit = argument("--statement-limit").flatMap(Int.init) { settings.statementLimit = limit }
// One statement per line, with its literals: what Perfwatch's spans would carry.
let samples = (try? String(contentsOfFile: argument("--samples") ?? "", encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
let usage = samples.map { sample in
    FingerprintUsage(
        fingerprint: SQLFingerprint.fingerprint(ofNormalized: SQLFingerprint.normalize(sample)), statement: sample,
        routes: [RouteUse(service: "bench", route: "GET /bench", callsPerRequest: 1, shareOfP95: 0.5, p95Ms: 100)])
}

let client = try RunningPostgresClient(url: url, readOnly: true)
let advisor = DatabaseAdvisor(database: "bench", source: PostgresDatabaseSource(client: client), settings: settings)
for pass in 0..<passes {
    let report = await advisor.run(usage: usage, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
    let line: [String: Any] = [
        "pass": pass, "status": report.status, "error": report.error ?? "", "notices": report.notices.map(\.code),
        "wallMs": report.cost.wallMs, "queriesIssued": report.cost.queriesIssued, "databaseMs": report.cost.databaseMs,
        "topQueries": report.topQueries.count, "matched": report.topQueries.filter { $0.fingerprint != nil }.count, "plans": report.plans.count,
        "suggestions": report.suggestions.count, "skipped": report.skipped.count, "hygiene": report.hygiene.count,
        "issues": DatabaseAdvisorIssues.issues(from: report, nowMs: 0).count,
    ]
    print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
}
await client.shutdown()
