import Foundation
import Logging
import PerfwatchAlerting
import PerfwatchModel
import PerfwatchPromQL
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
    let store: any AlertingStore
    let catalog: AlertRuleCatalog
    let persistence: AlertStatePersistence
    let logger: Logger

    static func make(
        configuration: ServerConfiguration, engine: QueryEngine, statements: @escaping @Sendable ([String]) async throws -> [String: String],
        history store: any AlertingStore, promql: PromQLEngine? = nil, logger: Logger
    ) async throws -> AlertingComponents {
        var alerting = configuration.alerting ?? .default
        if alerting.externalURL == AlertingConfiguration.default.externalURL {
            alerting.externalURL = "http://\(configuration.host):\(configuration.port)"
        }
        let inApp = InAppAlerts()
        let deliveries = InMemoryDeliveryLog()
        let dispatcher = NotificationDispatcher(
            configuration: alerting, notifiers: NotificationDispatcher.makeNotifiers(for: alerting, inApp: inApp, logger: logger), deliveryLog: deliveries,
            logger: logger)
        let catalog = AlertRuleCatalog(rulesDirectory: configuration.rulesDirectory)
        var problems = await catalog.reloadFiles()
        let storedRules = try await store.alertRules()
        problems += await catalog.loadAPIRules(storedRules)
        for problem in problems { logger.error("alert rule not loaded", metadata: ["problem": "\(problem)"]) }
        let cache = StatementCache(lookup: statements)
        let evaluator = AlertEvaluator(
            groups: await catalog.groups(), dataSource: QueryAlertDataSource(engine: engine, statements: cache.statements, promql: promql), dispatcher: dispatcher,
            history: HistoryRecorder(store: store, inApp: inApp, logger: logger),
            configuration: AlertEvaluatorConfiguration(externalURL: alerting.externalURL), logger: logger)
        let persistence = AlertStatePersistence(store: store, evaluator: evaluator, dispatcher: dispatcher, logger: logger)
        try await persistence.restore()
        return AlertingComponents(
            evaluator: evaluator, dispatcher: dispatcher, inApp: inApp, deliveries: deliveries, history: store, store: store,
            catalog: catalog, persistence: persistence, logger: logger)
    }

    /// Reloads rule files; returns the problems found (the rules that loaded are in force).
    func reload() async -> [AlertingError] {
        let diagnostics = await catalog.reloadFiles()
        let groups = await catalog.groups()
        await evaluator.replaceRules(groups)
        logger.info("alert rules reloaded", metadata: ["groups": "\(groups.count)", "problems": "\(diagnostics.count)"])
        return diagnostics
    }

    /// Hands the catalog's current rules to the evaluator (after an API change): unchanged
    /// rules keep their state, changed ones start afresh.
    func applyRules() async {
        await evaluator.replaceRules(await catalog.groups())
    }

    /// Adds a silence, stored first so an accepted silence survives a restart.
    func addSilence(_ silence: Silence) async throws {
        try await store.saveSilence(id: silence.id, json: try CompactJSONEncoder().encode(silence), endsMs: silence.endsAt)
        await dispatcher.addSilence(silence)
    }

    func removeSilence(id: String) async throws -> Bool {
        guard await dispatcher.removeSilence(id: id) else { return false }
        try await store.deleteSilence(id: id)
        return true
    }
}

/// Stores alert transitions as history rows.
struct HistoryRecorder: AlertHistorySink {
    let store: any AlertHistoryStore
    /// State changes are also pushed to dashboards over SSE.
    let inApp: InAppAlerts?
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
        await inApp?.stateChanged(events)
    }

    /// The labels column of the alert history: an object with sorted keys.
    static func json(_ labels: [String: String]) -> String {
        var text = ""
        JSONString.appendObject(labels, to: &text)
        return text
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

/// Ends `/api/v1/alerts/stream` responses when shutdown starts, so an open dashboard does
/// not hold the HTTP server's graceful shutdown open.
struct AlertStreamShutdown: Service {
    let inApp: InAppAlerts

    func run() async throws {
        try? await gracefulShutdown()
        await inApp.finishAll()
    }
}
