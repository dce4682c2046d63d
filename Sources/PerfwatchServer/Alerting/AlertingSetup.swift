import Foundation
import Logging
import PerfwatchAlerting
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage
import ServiceLifecycle
import UnixSignals

/// The alerting parts of the server: the evaluator over the query engine, the notification
/// dispatcher with the configured channels, history into `performance_alerts`, in-app
/// notifications, and rule reloading (defaults, then `--rules` files).
struct AlertingComponents: Sendable {
    let evaluator: AlertEvaluator
    let dispatcher: NotificationDispatcher
    let inApp: InAppAlerts
    let deliveries: InMemoryDeliveryLog
    let history: any AlertHistoryStore
    let rulesDirectory: String?
    let logger: Logger

    static func make(
        configuration: ServerConfiguration, engine: QueryEngine, history: any AlertHistoryStore, logger: Logger
    ) throws -> AlertingComponents {
        var alerting = AlertingConfiguration.default
        if let text = configuration.alertingYAML {
            do {
                alerting = try AlertingConfiguration.parse(yaml: text, file: configuration.alertingSource, section: "alerting")
            } catch {
                throw ConfigurationError("alerting: \(error)")
            }
        }
        if alerting.externalURL == AlertingConfiguration.default.externalURL {
            alerting.externalURL = "http://\(configuration.host):\(configuration.port)"
        }
        let inApp = InAppAlerts()
        let deliveries = InMemoryDeliveryLog()
        let dispatcher = NotificationDispatcher(
            configuration: alerting, notifiers: NotificationDispatcher.makeNotifiers(for: alerting, inApp: inApp), deliveryLog: deliveries,
            logger: logger)
        let (groups, diagnostics) = loadRules(directory: configuration.rulesDirectory)
        for diagnostic in diagnostics { logger.error("alert rule not loaded", metadata: ["problem": "\(diagnostic)"]) }
        let evaluator = AlertEvaluator(
            groups: groups, dataSource: QueryAlertDataSource(engine: engine), dispatcher: dispatcher,
            history: HistoryRecorder(store: history, logger: logger),
            configuration: AlertEvaluatorConfiguration(externalURL: alerting.externalURL), logger: logger)
        return AlertingComponents(
            evaluator: evaluator, dispatcher: dispatcher, inApp: inApp, deliveries: deliveries, history: history,
            rulesDirectory: configuration.rulesDirectory, logger: logger)
    }

    /// The shipped defaults, replaced group by group by same-named groups in rule files.
    static func loadRules(directory: String?) -> (groups: [AlertRuleGroup], diagnostics: [AlertingError]) {
        guard let directory else { return (DefaultAlertRules.groups, []) }
        let loaded = AlertRuleLoader.loadDirectory(URL(fileURLWithPath: directory))
        return (AlertRuleGroup.combine(DefaultAlertRules.groups, loaded.groups), loaded.diagnostics)
    }

    /// Reloads rule files; returns the problems found (the rules that loaded are in force).
    func reload() async -> [AlertingError] {
        let (groups, diagnostics) = Self.loadRules(directory: rulesDirectory)
        await evaluator.replaceRules(groups)
        logger.info("alert rules reloaded", metadata: ["groups": "\(groups.count)", "problems": "\(diagnostics.count)"])
        return diagnostics
    }
}

/// Stores alert transitions as history rows.
struct HistoryRecorder: AlertHistorySink {
    let store: any AlertHistoryStore
    let logger: Logger

    func record(_ events: [AlertHistoryEvent]) async {
        let records = events.map { event in
            AlertHistoryRecord(
                kind: event.kind.rawValue, alertID: event.alertID, rule: event.ruleName, group: event.groupName,
                labelsJSON: Self.json(event.labels), severity: event.severity, message: event.message, threshold: event.threshold,
                value: event.value, activeMs: event.activeAt, firedMs: event.firedAt, resolvedMs: event.resolvedAt,
                acknowledgedBy: event.acknowledgedBy, acknowledgedMs: event.acknowledgedAt, atMs: event.at, silenced: event.silenced)
        }
        do { try await store.recordAlertHistory(records) } catch {
            logger.error("could not store alert history", metadata: ["error": "\(error)"])
        }
    }

    static func json(_ labels: [String: String]) -> String {
        var json = JSONText()
        json.object(labels)
        return json.text
    }
}


/// In-app notifications: the newest ones, for the dashboard.
actor InAppAlerts: InAppAlertSink {
    struct Entry: Sendable {
        var atMs: Int64
        var notification: AlertNotification
    }

    private(set) var entries: [Entry] = []

    func publish(_ notification: AlertNotification) async throws {
        entries.append(Entry(atMs: TimeParsing.nowMs(), notification: notification))
        if entries.count > 200 { entries.removeFirst(entries.count - 200) }
    }
}

/// Reloads alert rules on SIGHUP.
struct RulesReloadOnHangup: Service {
    let alerting: AlertingComponents

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals { _ = await alerting.reload() }
        }
    }
}
