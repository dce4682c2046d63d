import Foundation
import Logging
import PerfwatchAlerting
import PerfwatchModel
import PerfwatchStorage
import ServiceLifecycle

/// Keeps alert instance state (pending since, firing since, acknowledgements) and
/// notification state (what was sent when, escalation steps reached) in the database, so a
/// restart on the same data directory neither re-announces firing alerts as new nor repeats
/// escalations. Silences are stored when they are created (``AlertingComponents``).
///
/// Snapshots are saved at most every `interval` and only when they changed, plus once more
/// at graceful shutdown after the evaluator and dispatcher stopped (this service is listed
/// before them, so it shuts down after them). A `kill -9` loses at most `interval` of changes.
actor AlertStatePersistence: Service {
    static let evaluatorKey = "evaluator"
    static let notificationsKey = "notifications"

    let store: any AlertingStore
    let evaluator: AlertEvaluator
    let dispatcher: NotificationDispatcher
    let interval: Duration
    let logger: Logger
    private var lastSaved: [String: String] = [:]

    init(store: any AlertingStore, evaluator: AlertEvaluator, dispatcher: NotificationDispatcher, interval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.evaluator = evaluator
        self.dispatcher = dispatcher
        self.interval = interval
        self.logger = logger
    }

    /// Loads silences and the last snapshots into the evaluator and dispatcher (at start-up,
    /// before either runs). An unreadable snapshot is logged and skipped: alerts then start
    /// fresh, which re-notifies but loses nothing.
    func restore() async throws {
        let now = TimeParsing.nowMs()
        for json in try await store.silences(nowMs: now) {
            do {
                let silence = try JSONDecoder().decode(Silence.self, from: Data(json.utf8))
                await dispatcher.addSilence(silence)
            } catch {
                logger.error("stored silence unreadable; skipped", metadata: ["error": "\(error)"])
            }
        }
        if let json = try await store.alertRuntimeState(Self.evaluatorKey) {
            do {
                let state = try JSONDecoder().decode(AlertEvaluatorState.self, from: Data(json.utf8))
                let count = await evaluator.importState(state)
                logger.info("alert state restored", metadata: ["instances": "\(count)"])
                lastSaved[Self.evaluatorKey] = json
            } catch {
                logger.error("stored alert state unreadable; alerts start fresh", metadata: ["error": "\(error)"])
            }
        }
        if let json = try await store.alertRuntimeState(Self.notificationsKey) {
            do {
                let state = try JSONDecoder().decode(NotificationPlannerState.self, from: Data(json.utf8))
                if await dispatcher.importState(state) {
                    lastSaved[Self.notificationsKey] = json
                } else {
                    logger.notice("notification routes changed since the last run; notification groups start fresh")
                }
            } catch {
                logger.error("stored notification state unreadable; groups start fresh", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Saves the snapshots that changed since the last save.
    func save() async {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let evaluatorState = await evaluator.exportState()
        let plannerState = await dispatcher.exportState()
        let now = TimeParsing.nowMs()
        for (key, data) in [(Self.evaluatorKey, try? encoder.encode(evaluatorState)), (Self.notificationsKey, try? encoder.encode(plannerState))] {
            guard let data else { continue }
            let json = String(decoding: data, as: UTF8.self)
            guard lastSaved[key] != json else { continue }
            do {
                try await store.saveAlertRuntimeState(key, json: json, atMs: now)
                lastSaved[key] = json
            } catch {
                logger.error("could not save alert state", metadata: ["state": "\(key)", "error": "\(error)"])
            }
        }
    }

    nonisolated func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: self.interval) } catch { break }
                await self.save()
            }
        }
        await save()
    }
}
