import ArgumentParser
import Foundation
import PerfwatchDemo
import PerfwatchHTTPClient
import PerfwatchModel
import SwiftProtobuf

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Send a realistic sample workload (OTLP traces of a small web app) to a server.",
        discussion: """
            First fills the last --backfill of history (so every chart has data at once), then \
            sends live traffic for --duration. The app has six routes with a database behind \
            each, an N+1 query on GET /courses/:id, a slow search query, checkout errors, and \
            two releases (1.5.0 makes course pages slower halfway through).

            Examples:
              perfwatch demo
              perfwatch demo --server http://127.0.0.1:4318 --duration 5m --rate 50
            """)

    @Option(help: "Perfwatch server URL.")
    var server = "http://127.0.0.1:4318"

    @Option(help: "How long to send live traffic after the backfill (e.g. 30s, 5m; 0 for none).")
    var duration = "1m"

    @Option(help: "History to fill before going live (e.g. 30m, 2h; 0 for none).")
    var backfill = "30m"

    @Option(help: "Requests per second of the simulated app.")
    var rate = 20

    @Option(help: "API key, when the server has auth on.")
    var apiKey: String?

    func run() async throws {
        let durationMs: Int64, backfillMs: Int64
        do { durationMs = try DurationText.parse(duration).wholeMilliseconds } catch {
            throw ValidationError(error.explaining("--duration '\(duration)' is not a duration like 30s or 5m"))
        }
        do { backfillMs = try DurationText.parse(backfill).wholeMilliseconds } catch {
            throw ValidationError(error.explaining("--backfill '\(backfill)' is not a duration like 30m or 2h"))
        }
        guard rate > 0, rate <= 10_000 else { throw ValidationError("--rate must be between 1 and 10000") }
        guard let url = URL(string: server.hasSuffix("/") ? server + "v1/traces" : server + "/v1/traces"), url.scheme != nil else {
            throw ValidationError("--server '\(server)' is not a URL")
        }
        var workload = DemoWorkload(seed: UInt64(TimeParsing.nowMs()))
        let start = TimeParsing.nowMs()
        let releaseSwitch = start - backfillMs / 2
        var sent = 0
        // Backfill in one-minute slices.
        var sliceStart = start - backfillMs
        while sliceStart < start {
            let sliceEnd = min(sliceStart + 60_000, start)
            let count = max(1, Int(Double(sliceEnd - sliceStart) / 1000 * Double(rate)))
            try await send(workload.export(count: count, fromMs: sliceStart, toMs: sliceEnd, releaseSwitchMs: releaseSwitch), to: url)
            sent += count
            sliceStart = sliceEnd
        }
        if backfillMs > 0 { printNow("backfilled \(backfill): \(sent) requests") }
        // Live: one export per second.
        let end = start + durationMs
        while TimeParsing.nowMs() < end {
            let now = TimeParsing.nowMs()
            try await send(workload.export(count: rate, fromMs: now - 1000, toMs: now, releaseSwitchMs: releaseSwitch), to: url)
            sent += rate
            if (sent / rate) % 10 == 0 { printNow("sent \(sent) requests; open \(server)/#/routes") }
            try await Task.sleep(for: .seconds(1))
        }
        printNow("done: \(sent) simulated requests sent to \(server)")
    }

    func send(_ request: any SwiftProtobuf.Message, to url: URL) async throws {
        let body: [UInt8] = try request.serializedBytes()
        let response: OutboundResponse
        do {
            response = try await ServerRequest.send("POST", url.absoluteString, body: body, contentType: "application/x-protobuf", apiKey: apiKey)
        } catch {
            throw DemoError(description: "cannot reach \(server): \(error). Is `perfwatch serve` running?")
        }
        guard response.isSuccess else {
            throw DemoError(description: "the server answered \(response.status) to an OTLP export")
        }
    }
}

/// A runtime failure (not a usage mistake): printed without the usage text, exit code 1.
struct DemoError: Error, CustomStringConvertible {
    let description: String
}
