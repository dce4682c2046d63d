import Foundation
import Logging
import PerfwatchAlerting
import PerfwatchConfig
import PerfwatchModel
import PerfwatchStorage
import ServiceLifecycle

/// Sends the scheduled reports: checks every second which schedule's next fire time (computed in its
/// time zone, `ReportSchedule.nextFire`) has passed, builds the report over its period, renders it in
/// its format and mails it as an attachment through the first e-mail channel of `alerting.channels`.
/// Schedules come from the server's file (read-only) and from the API (stored in `report_schedules`).
actor ReportService: Service {
    struct Status: Sendable {
        var nextFireMs: Int64?
        var lastSentMs: Int64?
        var lastError: String?
    }

    struct Refusal: Error {
        var notFound: Bool
        var message: String
    }

    private let fileSchedules: [ReportSchedule]
    private var apiSchedules: [String: ReportSchedule] = [:]
    private var statuses: [String: Status] = [:]
    private let store: any LabStore
    private let builder: ReportBuilder
    private let smtp: SMTPSettings?
    private let tls: TLSClientSettings
    private let now: @Sendable () -> Int64
    private let logger: Logger

    init(
        fileSchedules: [ReportSchedule], store: any LabStore, builder: ReportBuilder, alerting: AlertingConfiguration?, logger: Logger,
        now: @escaping @Sendable () -> Int64 = { TimeParsing.nowMs() }
    ) {
        self.fileSchedules = fileSchedules
        self.store = store
        self.builder = builder
        let channel = alerting?.channels.first { $0.kind == .email && $0.smtp != nil }
        smtp = channel?.smtp
        tls = channel?.tls ?? TLSClientSettings()
        self.now = now
        self.logger = logger
    }

    func run() async throws {
        await load()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.sendDue()
                do { try await Task.sleep(for: .seconds(1)) } catch { return }
            }
        }
    }

    func load() async {
        do {
            for stored in try await store.labDefinitions(.reportSchedule) {
                do throws(ConfigError) {
                    apiSchedules[stored.name] = try ReportSchedule.parse(try ConfigNode.parseJSON(Data(stored.json.utf8), rootPath: "report"))
                } catch {
                    logger.error("stored report schedule not loaded", metadata: ["name": "\(stored.name)", "problem": "\(error)"])
                }
            }
        } catch {
            logger.error("could not read stored report schedules", metadata: ["error": "\(error)"])
        }
        let nowMs = now()
        for schedule in schedules() where statuses[schedule.name]?.nextFireMs == nil {
            statuses[schedule.name, default: Status()].nextFireMs = schedule.nextFire(after: nowMs)
        }
    }

    func schedules() -> [ReportSchedule] { fileSchedules + apiSchedules.values.sorted { $0.name < $1.name } }
    func isFromFile(_ name: String) -> Bool { fileSchedules.contains { $0.name == name } }
    func status(of name: String) -> Status { statuses[name] ?? Status() }

    func add(_ schedule: ReportSchedule) async throws {
        guard !schedules().contains(where: { $0.name == schedule.name }) else {
            throw Refusal(notFound: false, message: "name: a report named '\(schedule.name)' already exists")
        }
        try await store.saveLabDefinition(.reportSchedule, name: schedule.name, json: schedule.definitionJSON, nowMs: now())
        apiSchedules[schedule.name] = schedule
        statuses[schedule.name] = Status(nextFireMs: schedule.nextFire(after: now()))
    }

    func remove(name: String) async throws {
        if isFromFile(name) { throw Refusal(notFound: false, message: "report '\(name)' is defined in the server's file and is read-only through the API") }
        guard apiSchedules[name] != nil else { throw Refusal(notFound: true, message: "no report schedule named '\(name)'") }
        _ = try await store.deleteLabDefinition(.reportSchedule, name: name)
        apiSchedules[name] = nil
        statuses[name] = nil
    }

    /// Sends every schedule whose time has come, then sets its next time.
    func sendDue() async {
        let nowMs = now()
        for schedule in schedules() {
            guard let due = statuses[schedule.name]?.nextFireMs, due <= nowMs else { continue }
            statuses[schedule.name, default: Status()].nextFireMs = schedule.nextFire(after: nowMs)
            _ = try? await send(schedule)
        }
    }

    /// Builds, renders and mails one report now; returns what was sent. Failures are kept as the schedule's last error.
    @discardableResult
    func send(_ schedule: ReportSchedule) async throws -> RenderedReport {
        do {
            guard let smtp else {
                throw PerfwatchError(.conflict, "no e-mail channel: reports are sent through the first alerting.channels entry of type email")
            }
            let report = try await builder.build(name: schedule.name, every: schedule.every, nowMs: now(), budgetFile: schedule.budget)
            let rendered = try await ReportRendering.render(report, format: schedule.format)
            let document = EmailDocument(
                subject: "Perfwatch report: \(schedule.name)",
                text: "The \(schedule.every == .day ? "daily" : "weekly") performance report \"\(schedule.name)\" is attached (\(rendered.fileName)).\n",
                fileName: rendered.fileName, contentType: rendered.contentType, bytes: rendered.bytes)
            try await document.send(over: smtp, to: schedule.recipients, tls: tls)
            statuses[schedule.name, default: Status()].lastSentMs = now()
            statuses[schedule.name, default: Status()].lastError = nil
            logger.info("report sent", metadata: ["report": "\(schedule.name)", "recipients": "\(schedule.recipients.count)", "bytes": "\(rendered.bytes.count)"])
            return rendered
        } catch {
            statuses[schedule.name, default: Status()].lastError = "\(error)"
            logger.error("report not sent", metadata: ["report": "\(schedule.name)", "error": "\(error)"])
            throw error
        }
    }

    /// A report over the last day or week, rendered now (the preview).
    func preview(every: ReportSchedule.Every, format: ReportSchedule.Format) async throws -> RenderedReport {
        try await ReportRendering.render(try await builder.build(name: "preview", every: every, nowMs: now()), format: format)
    }
}
