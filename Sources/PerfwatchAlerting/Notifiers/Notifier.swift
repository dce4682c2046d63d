/// Sends one message to one channel. Implementations throw on failure; the dispatcher
/// retries with backoff, enforces the channel's timeout and records every attempt.
public protocol Notifier: Sendable {
    func send(_ notification: AlertNotification) async throws
}

/// The dashboard side of in-app notifications, implemented by the server: store the
/// message and push it to connected dashboards over SSE.
public protocol InAppAlertSink: Sendable {
    func publish(_ notification: AlertNotification) async throws
}

/// Delivers to an ``InAppAlertSink``.
public struct InAppNotifier: Notifier {
    public let sink: any InAppAlertSink
    public init(sink: any InAppAlertSink) { self.sink = sink }
    public func send(_ notification: AlertNotification) async throws {
        try await sink.publish(notification)
    }
}

/// One delivery attempt, for the delivery log.
public struct DeliveryAttempt: Sendable, Codable, Hashable {
    public enum Outcome: String, Sendable, Codable {
        /// Delivered.
        case sent
        /// Failed; another attempt follows after `retryInMs`.
        case retrying
        /// Failed on the last attempt; the message is dropped.
        case failed
    }

    public var channel: String
    public var channelType: String
    public var groupKey: String
    /// 1-based.
    public var attempt: Int
    public var outcome: Outcome
    public var error: String?
    /// Unix ms when the attempt started.
    public var at: Int64
    public var durationMs: Int64
    public var retryInMs: Int64?
    public var alertCount: Int
    public var notificationStatus: AlertStatus
    public var reason: AlertNotification.Reason

    public init(
        channel: String, channelType: String, groupKey: String, attempt: Int, outcome: Outcome, error: String?, at: Int64,
        durationMs: Int64, retryInMs: Int64?, alertCount: Int, notificationStatus: AlertStatus, reason: AlertNotification.Reason
    ) {
        self.channel = channel
        self.channelType = channelType
        self.groupKey = groupKey
        self.attempt = attempt
        self.outcome = outcome
        self.error = error
        self.at = at
        self.durationMs = durationMs
        self.retryInMs = retryInMs
        self.alertCount = alertCount
        self.notificationStatus = notificationStatus
        self.reason = reason
    }
}

/// Where delivery attempts are recorded (the server stores them; tests keep them in memory).
public protocol DeliveryLogSink: Sendable {
    func record(_ attempt: DeliveryAttempt) async
}

/// A bounded in-memory delivery log: the newest `capacity` attempts.
public actor InMemoryDeliveryLog: DeliveryLogSink {
    public private(set) var attempts: [DeliveryAttempt] = []
    public let capacity: Int
    public init(capacity: Int = 10_000) { self.capacity = capacity }
    public func record(_ attempt: DeliveryAttempt) {
        attempts.append(attempt)
        if attempts.count > capacity { attempts.removeFirst(attempts.count - capacity) }
    }
}

// Written by hand so that nil fields stay absent whichever encoder writes them.
extension DeliveryAttempt {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channel, forKey: .channel)
        try container.encode(channelType, forKey: .channelType)
        try container.encode(groupKey, forKey: .groupKey)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(outcome, forKey: .outcome)
        try container.encodeUnlessNil(error, forKey: .error)
        try container.encode(at, forKey: .at)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encodeUnlessNil(retryInMs, forKey: .retryInMs)
        try container.encode(alertCount, forKey: .alertCount)
        try container.encode(notificationStatus, forKey: .notificationStatus)
        try container.encode(reason, forKey: .reason)
    }
}
