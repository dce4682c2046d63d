import ArgumentParser
import Foundation
import PerfwatchAnalysis
import PerfwatchHTTPClient
import PerfwatchLab
import PerfwatchModel

/// `perfwatch audit URL`: lab runs in Chromium with Lighthouse's throttling (PerfwatchLab), the median run's
/// report, lab budgets and assertions, and the upload to a server's `POST /api/v1/audits`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit a page in headless Chromium with Lighthouse's throttling: metrics, score, opportunities.",
        discussion: """
            Examples:
              perfwatch audit https://shop.example/ --device mobile --runs 3
              perfwatch audit http://localhost:8080/ --device desktop --json
              perfwatch audit https://shop.example/ --budget budget.json \\
                  --assert lighthouserc.json --html report.html
              perfwatch audit https://shop.example/ --server http://perfwatch:4318

            Exit codes: 0 done, 1 an error-level budget or assertion failed or no run \
            could load the page, 2 bad arguments or a bad budget or assertion file. \
            Docs: docs/audits.md.
            """)

    @Argument(help: "The page to audit (http or https).")
    var url: String

    @Option(help: "mobile (412×823, DPR 1.75, slow 4G, CPU 4×) or desktop (1350×940, 10 Mbps, CPU 1×).")
    var device: String = "mobile"

    @Option(help: "Runs; the report is the median run by score.")
    var runs: Int = 1

    @Option(help: "Lighthouse budget.json to check.")
    var budget: String?

    @Option(name: .customLong("assert"), help: "Lighthouse CI assertions file to check.")
    var assertions: String?

    @Flag(help: "Print the report as JSON (docs/audits.md) instead of text.")
    var json = false

    @Option(help: "Also write a self-contained HTML report (filmstrip, waterfall) to this file.")
    var html: String?

    @Option(help: "Send the report to this Perfwatch server (POST /api/v1/audits).")
    var server: String?

    @Option(help: "API key for --server.")
    var apiKey: String?

    /// The benchmark's baseline (Benchmarks/audit_bench.py): the same throttled load, nothing collected.
    @Flag(help: .hidden)
    var bare = false

    @Option(help: "Cap of one run, e.g. 45s; past it the run reports what it has, with a warning.")
    var timeout: String = "45s"

    func run() async throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty
        else {
            throw usage("'\(url)' is not an http(s) URL; audit a page like https://shop.example/")
        }
        guard let device = AuditDevice(rawValue: device) else { throw usage("--device: expected mobile or desktop, got '\(device)'") }
        guard (1...20).contains(runs) else { throw usage("--runs: expected 1 to 20, got \(runs)") }
        let runTimeout: Duration
        do { runTimeout = try DurationText.parse(timeout) } catch { throw usage(error.explaining("--timeout: expected a duration like 45s, got '\(timeout)'")) }
        guard runTimeout >= .seconds(1) else { throw usage("--timeout: at least 1s, got '\(timeout)'") }
        let checks = try [budget, assertions].compactMap { $0 }.map(Self.readChecks)

        let engine = AuditEngine()
        defer { engine.shutdown() }
        let options = AuditEngine.Options(device: device, runs: runs, timeout: runTimeout, collectMetrics: !bare)
        let report = await engine.audit(url: url, options: options) { index, run in
            let line = run.failed.map { "run \(index + 1)/\(runs) failed: \($0)" }
                ?? "run \(index + 1)/\(runs): score \(run.score) in \(String(format: "%.1f", run.durationMs / 1000)) s"
            Self.standardError(line)
        }
        if report.allRunsFailed {
            Self.standardError("perfwatch audit: \(report.runs.first?.failed ?? "no run completed")")
            throw ExitCode(1)
        }
        if json {
            print(String(decoding: try report.jsonData(pretty: true), as: UTF8.self))
        } else {
            print(report.text)
        }
        if let html {
            do { try Data(report.html.utf8).write(to: URL(fileURLWithPath: html)) } catch {
                Self.standardError("cannot write \(html): \(error.localizedDescription)")
            }
        }
        if let server { await Self.send(report, to: server, apiKey: apiKey) }
        var failed = false
        for file in checks {
            let results = file.evaluate(report)
            let table = LabBudgetFile.table(results) + "\n" + LabBudgetFile.summary(results)
            if json { Self.standardError(table) } else { print("\n" + table) }
            failed = failed || LabBudgetFile.failed(results)
        }
        if failed { throw ExitCode(1) }
    }

    func usage(_ message: String) -> ExitCode {
        Self.standardError("perfwatch audit: \(message)")
        return ExitCode(2)
    }

    static func readChecks(_ file: String) throws -> LabBudgetFile {
        do {
            return try LabBudgetFile.parse(try String(contentsOfFile: file, encoding: .utf8), file: file)
        } catch let error as PerfwatchError {
            standardError(error.message)
            throw ExitCode(2)
        } catch {
            standardError("cannot read \(file): \(error.localizedDescription)")
            throw ExitCode(2)
        }
    }

    /// A server that is down does not fail the audit: the report is already printed; stderr says it was not stored.
    // `@_optimize(none)`: Swift 6.3.1's release build crashes (signal 11 in LLVM's coroutine splitting) on this
    // async function; it runs once per audit, so optimizing it buys nothing.
    @_optimize(none)
    static func send(_ report: AuditReport, to server: String, apiKey: String?) async {
        let target = server.hasSuffix("/") ? String(server.dropLast()) : server
        do {
            let body = [UInt8](try report.jsonData())
            let response = try await ServerRequest.send("POST", target + "/api/v1/audits", body: body, contentType: "application/json", apiKey: apiKey)
            if !(200..<300).contains(response.status) {
                standardError("the server answered \(response.status) to POST \(target)/api/v1/audits: \(String(decoding: response.body.prefix(300), as: UTF8.self))")
            }
        } catch {
            standardError("cannot send the audit to \(target): \(error)")
        }
    }

    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
