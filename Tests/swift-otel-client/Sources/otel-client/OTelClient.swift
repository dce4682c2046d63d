// otel-client: sends one trace and a few metrics to an OTLP/HTTP collector with swift-otel,
// then shuts down gracefully (which flushes both exporters) and exits 0.
//
//   otel-client --endpoint http://127.0.0.1:4318 --service NAME
//
// The collector is set the way an app would be pointed at Perfwatch: OTEL_EXPORTER_OTLP_ENDPOINT
// (the base URL; swift-otel appends /v1/traces and /v1/metrics), OTEL_SERVICE_NAME and
// OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, handed to OTel.bootstrap as its environment.
// What is sent (the e2e test checks each of these):
//   - a SERVER span "GET /orders/{id}" (http.route, http.request.method, http.response.status_code)
//     with a CLIENT child span "SELECT orders" (db.system, db.statement);
//   - swift-metrics: a Recorder (value histogram) `otelclient.payload.size` with 100, 200, 300, 400,
//     a Timer (duration histogram, in seconds) `otelclient.job.duration` with 10, 20, 30 ms, and a
//     Counter `otelclient.orders` incremented by 2 and 3 — in two rounds 1.2 s apart, so the metrics
//     are exported (cumulative) at least twice: by the 500 ms timer, and at shutdown.
// The trace id is printed as `trace_id=<32 hex>`. swift-otel only logs a failed export (a non-2xx
// answer, or a response it can't parse), so its diagnostic logger here counts warnings and errors:
// any of them makes the exit status 1.

import Foundation
import Logging
import Metrics
import OTel
import ServiceLifecycle
import Synchronization
import Tracing

struct Options {
    var endpoint = ""
    var service = ""

    static func parse(_ args: [String]) throws -> Options {
        var options = Options()
        var it = args.makeIterator()
        while let arg = it.next() {
            switch arg {
            case "--endpoint": options.endpoint = it.next() ?? ""
            case "--service": options.service = it.next() ?? ""
            default: throw UsageError(message: "unknown argument \(arg)")
            }
        }
        guard !options.endpoint.isEmpty, !options.service.isEmpty else {
            throw UsageError(message: "--endpoint URL and --service NAME are required")
        }
        return options
    }
}

struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { "usage: otel-client --endpoint URL --service NAME (\(message))" }
}

/// Forwards swift-otel's diagnostic logs to stderr and counts those at warning level or above.
struct CountingLogHandler: LogHandler {
    static let problems = Mutex(0)

    var inner: StreamLogHandler = .standardError(label: "swift-otel")
    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }
    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level >= .warning { Self.problems.withLock { $0 += 1 } }
        inner.log(event: event)
    }
}

/// The "application": one request with a database query, plus a few metrics. It returns when done,
/// and the service group then shuts the OTel service down gracefully.
struct Workload: Service {
    func run() async throws {
        let traceID = try await withSpan("GET /orders/{id}", ofKind: .server) { server -> String? in
            server.attributes["http.route"] = "/orders/{id}"
            server.attributes["http.request.method"] = "GET"
            server.attributes["url.path"] = "/orders/42"
            try await Task.sleep(for: .milliseconds(5))
            try await withSpan("SELECT orders", ofKind: .client) { db in
                db.attributes["db.system"] = "postgresql"
                db.attributes["db.statement"] = "SELECT * FROM orders WHERE id = 42"
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(5))
            server.attributes["http.response.status_code"] = 200
            return server.context.otelTraceID
        }
        print("trace_id=\(traceID ?? "")")

        let payload = Recorder(label: "otelclient.payload.size", dimensions: [("route", "/orders/{id}")], aggregate: true)
        let job = Metrics.Timer(label: "otelclient.job.duration", dimensions: [("job", "reindex")])
        let orders = Counter(label: "otelclient.orders", dimensions: [("status", "paid")])
        payload.record(100)
        payload.record(200)
        job.recordMilliseconds(10)
        orders.increment(by: 2)
        // Let the periodic reader export these once (cumulative), then add the rest: the final
        // export at shutdown repeats the first values, which must not be counted twice.
        try await Task.sleep(for: .milliseconds(1200))
        payload.record(300)
        payload.record(400)
        job.recordMilliseconds(20)
        job.recordMilliseconds(30)
        orders.increment(by: 3)
    }
}

@main
enum OTelClient {
    static func main() async throws {
        let options: Options
        do {
            options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(2)
        }

        var environment = ProcessInfo.processInfo.environment
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = options.endpoint
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf"
        environment["OTEL_SERVICE_NAME"] = options.service

        var config = OTel.Configuration.default
        config.diagnosticLogLevel = .warning
        config.diagnosticLogger = .custom(Logger(label: "swift-otel") { _ in CountingLogHandler() })
        config.logs.enabled = false  // Perfwatch has no /v1/logs yet
        config.resourceAttributes = ["service.version": "1.0.0", "deployment.environment.name": "e2e"]
        config.traces.batchSpanProcessor.scheduleDelay = .milliseconds(200)
        config.metrics.exportInterval = .milliseconds(500)
        let observability = try OTel.bootstrap(configuration: config, environment: environment)

        var logger = Logger(label: "otel-client")
        logger.logLevel = .warning
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: observability),
                    .init(service: Workload(), successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()

        let problems = CountingLogHandler.problems.withLock { $0 }
        if problems > 0 {
            FileHandle.standardError.write(Data("otel-client: swift-otel reported \(problems) warning(s) or error(s)\n".utf8))
            exit(1)
        }
    }
}
