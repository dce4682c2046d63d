public import Logging
public import ServiceLifecycle

/// Sends what the ``NotificationPlanner`` decides, through one ``Notifier`` per channel.
///
/// Every message is delivered in a task of its own, with the channel's timeout per attempt
/// and retries with exponential backoff, so a dead or hanging channel never delays other
/// channels, other groups or the evaluator (which only awaits the planner, never a send).
/// Every attempt is written to the ``DeliveryLogSink``.
///
/// As a `Service`, it wakes every `tick` to send what became due without new evaluator
/// input (group intervals, repeats, escalations); on graceful shutdown it waits for the
/// deliveries in flight.
public actor NotificationDispatcher: Service {
    var planner: NotificationPlanner
    private var channels: [String: NotificationChannel]
    private var notifiers: [String: any Notifier]
    private var policy: DeliveryPolicy
    private let deliveryLog: (any DeliveryLogSink)?
    private let clock: any AlertClock
    private let tick: Duration
    /// How long a graceful shutdown waits for deliveries in flight.
    public let shutdownGrace: Duration
    private let logger: Logger
    private var inFlight: [Int: Task<Void, Never>] = [:]
    private var queued: [String: [NotificationPlanner.Delivery]] = [:]
    private var active: [String: Int] = [:]
    /// Messages sent to one channel at the same time; more wait in that channel's queue.
    public let maxConcurrentPerChannel: Int
    private var nextTaskID = 0

    /// - Parameters:
    ///   - configuration: channels, routes and retry policy.
    ///   - notifiers: one per channel name; build them with ``makeNotifiers(for:inApp:)``
    ///     or pass doubles in tests.
    ///   - tick: how often due groups, repeats and escalations are checked.
    ///   - shutdownGrace: how long a graceful shutdown waits for deliveries in flight.
    ///   - maxConcurrentPerChannel: messages sent to one channel at the same time.
    public init(
        configuration: AlertingConfiguration, notifiers: [String: any Notifier], deliveryLog: (any DeliveryLogSink)? = nil,
        clock: any AlertClock = SystemAlertClock(), tick: Duration = .seconds(1), shutdownGrace: Duration = .seconds(5),
        maxConcurrentPerChannel: Int = 4, logger: Logger = Logger(label: "perfwatch.alerting.dispatch")
    ) {
        self.maxConcurrentPerChannel = max(1, maxConcurrentPerChannel)
        self.shutdownGrace = shutdownGrace
        planner = NotificationPlanner(routes: configuration.routes, externalURL: configuration.externalURL)
        channels = Dictionary(configuration.channels.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.notifiers = notifiers
        policy = configuration.delivery
        self.deliveryLog = deliveryLog
        self.clock = clock
        self.tick = tick
        self.logger = logger
    }

    /// The real notifier for each configured channel. `in_app` channels need the server's
    /// sink; without one they are left out (and their deliveries are logged as failed).
    /// A channel with `insecure_skip_verify` is logged as a warning on `logger`.
    public static func makeNotifiers(
        for configuration: AlertingConfiguration, inApp: (any InAppAlertSink)?, logger: Logger? = nil
    ) -> [String: any Notifier] {
        var result: [String: any Notifier] = [:]
        for channel in configuration.channels {
            if channel.tls.insecureSkipVerify {
                logger?.warning(
                    "alert channel does not verify TLS certificates (insecure_skip_verify: true); anyone on the path can read and change its notifications",
                    metadata: ["channel": "\(channel.name)"])
            }
            switch channel.kind {
            case .webhook: result[channel.name] = WebhookNotifier(url: channel.url ?? "", timeout: channel.timeout, tls: channel.tls)
            case .slack: result[channel.name] = SlackNotifier(url: channel.url ?? "", timeout: channel.timeout, tls: channel.tls)
            case .email:
                if let smtp = channel.smtp { result[channel.name] = EmailNotifier(settings: smtp, timeout: channel.timeout, tls: channel.tls) }
            case .inApp:
                if let inApp { result[channel.name] = InAppNotifier(sink: inApp) }
            }
        }
        return result
    }

    /// Applies a new configuration (config reload).
    public func update(configuration: AlertingConfiguration, notifiers: [String: any Notifier]) {
        planner.updateRoutes(configuration.routes)
        planner.externalURL = configuration.externalURL
        channels = Dictionary(configuration.channels.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.notifiers = notifiers
        policy = configuration.delivery
    }

    // MARK: Input from the evaluator and the API

    /// New alert states from the evaluator; sends what is due right away, so a crossing is
    /// notified in the same evaluation round.
    public func receive(_ alerts: [Alert]) {
        let now = clock.now()
        for alert in alerts { planner.receive(alert, at: now) }
        flush()
    }

    public func addSilence(_ silence: Silence) {
        planner.addSilence(silence)
    }

    @discardableResult
    public func removeSilence(id: String) -> Bool {
        planner.removeSilence(id: id)
    }

    /// Active and future silences.
    public func silences() -> [Silence] { planner.silences }

    public func isSilenced(_ labels: [String: String]) -> Bool { planner.isSilenced(labels, at: clock.now()) }

    /// Stops escalation of an alert. Usually called through ``AlertEvaluator/acknowledge(alertID:by:comment:)``.
    public func acknowledge(fingerprint: String, _ acknowledgement: Acknowledgement) {
        planner.acknowledge(fingerprint: fingerprint, acknowledgement)
    }

    /// Sends everything due now; the service loop calls this every tick.
    public func flush() {
        for delivery in planner.due(at: clock.now()) { start(delivery) }
    }

    /// Waits until every delivery started so far has finished (sent or given up).
    public func waitForDeliveries() async {
        while let (_, task) = inFlight.first {
            await task.value
            // `finished` runs after the task's body; let it start queued messages.
            await Task.yield()
        }
    }

    /// Sends due messages every `tick` until shutdown. On graceful shutdown it sends what
    /// is due and waits up to `shutdownGrace` for deliveries in flight (retries included),
    /// then cancels the rest, so a dead channel cannot hold up the process exit.
    public nonisolated func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.flush()
                try await self.clock.sleep(for: self.tick)
            }
        }
        await drain()
    }

    private func drain() async {
        flush()
        let deadline = ContinuousClock.now + shutdownGrace
        while !inFlight.isEmpty && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
        queued.removeAll()
        for task in inFlight.values { task.cancel() }
    }

    // MARK: Delivery

    /// Queues a message on its channel; each channel sends at most
    /// `maxConcurrentPerChannel` messages at once (an outage with hundreds of groups must
    /// not open hundreds of connections to one receiver), channels never wait for each other.
    private func start(_ delivery: NotificationPlanner.Delivery) {
        queued[delivery.channel, default: []].append(delivery)
        pump(delivery.channel)
    }

    private func pump(_ channelName: String) {
        while active[channelName, default: 0] < maxConcurrentPerChannel, var queue = queued[channelName], !queue.isEmpty {
            let delivery = queue.removeFirst()
            queued[channelName] = queue.isEmpty ? nil : queue
            active[channelName, default: 0] += 1
            let id = nextTaskID
            nextTaskID += 1
            let channel = channels[delivery.channel]
            let notifier = notifiers[delivery.channel]
            let policy = policy
            let log = deliveryLog
            let clock = clock
            let logger = logger
            inFlight[id] = Task {
                await Self.deliver(delivery, channel: channel, notifier: notifier, policy: policy, log: log, clock: clock, logger: logger)
                self.finished(id, channel: channelName)
            }
        }
    }

    private func finished(_ id: Int, channel: String) {
        inFlight[id] = nil
        active[channel, default: 1] -= 1
        pump(channel)
    }

    private static func deliver(
        _ delivery: NotificationPlanner.Delivery, channel: NotificationChannel?, notifier: (any Notifier)?, policy: DeliveryPolicy,
        log: (any DeliveryLogSink)?, clock: any AlertClock, logger: Logger
    ) async {
        let notification = delivery.notification
        let timeout = channel?.timeout ?? .seconds(10)
        for attempt in 1...max(1, policy.maxAttempts) {
            let started = clock.now()
            let startedInstant = ContinuousClock.now
            var failure: String?
            if let notifier {
                do {
                    try await withDeadline(timeout, what: "channel \(delivery.channel)") { try await notifier.send(notification) }
                } catch let error as AlertingError {
                    failure = error.message
                } catch {
                    failure = "\(error)"
                }
            } else {
                failure = "channel \"\(delivery.channel)\" has no notifier (not configured)"
            }
            let elapsed = (ContinuousClock.now - startedInstant).milliseconds
            let last = attempt >= policy.maxAttempts || notifier == nil
            let backoff = policy.backoff(afterAttempt: attempt)
            let outcome: DeliveryAttempt.Outcome = failure == nil ? .sent : last ? .failed : .retrying
            await log?.record(DeliveryAttempt(
                channel: delivery.channel, channelType: channel?.kind.rawValue ?? "unknown", groupKey: notification.groupKey,
                attempt: attempt, outcome: outcome, error: failure, at: started, durationMs: elapsed,
                retryInMs: outcome == .retrying ? backoff.milliseconds : nil, alertCount: notification.alerts.count,
                notificationStatus: notification.status, reason: notification.reason))
            guard let failure else { return }
            if last {
                logger.error("notification dropped", metadata: ["channel": "\(delivery.channel)", "group": "\(notification.groupKey)", "error": "\(failure)", "attempts": "\(attempt)"])
                return
            }
            logger.warning("notification failed, retrying", metadata: ["channel": "\(delivery.channel)", "attempt": "\(attempt)", "error": "\(failure)"])
            do {
                try await clock.sleep(for: backoff)
            } catch {
                return
            }
        }
    }
}
