/// A place notifications go: `webhook` (Alertmanager v4 payload), `slack` (incoming
/// webhook), `email` (SMTP), or `in_app` (stored and pushed to the dashboard).
public struct NotificationChannel: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case webhook, slack, email
        case inApp = "in_app"
    }

    public var name: String
    public var kind: Kind
    /// `http://…` target of webhook and Slack channels.
    public var url: String?
    /// Per-attempt limit: connect, send and answer must fit in it.
    public var timeout: Duration
    public var smtp: SMTPSettings?
    /// Certificate verification for https targets and SMTP over TLS (`ca_file`,
    /// `insecure_skip_verify`).
    public var tls: TLSClientSettings

    public init(
        name: String, kind: Kind, url: String? = nil, timeout: Duration = .seconds(10), smtp: SMTPSettings? = nil,
        tls: TLSClientSettings = TLSClientSettings()
    ) {
        self.name = name
        self.kind = kind
        self.url = url
        self.timeout = timeout
        self.smtp = smtp
        self.tls = tls
    }
}

/// How the email channel reaches its SMTP server.
public struct SMTPSettings: Sendable, Hashable, Codable {
    /// `none`: plain SMTP (a local relay, or a test sink). `starttls`: plain connect, then
    /// upgrade (port 587/25; a server that does not offer it is an error). `implicit`: TLS
    /// from the first byte (port 465).
    public enum TLSMode: String, Sendable, Codable, CaseIterable {
        case none, starttls, implicit
    }

    public var host: String
    public var port: Int
    public var from: String
    public var to: [String]
    public var username: String?
    public var password: String?
    public var tls: TLSMode
    /// Name sent in EHLO.
    public var heloName: String

    public init(
        host: String, port: Int = 25, from: String, to: [String], username: String? = nil, password: String? = nil,
        tls: TLSMode = .none, heloName: String = "perfwatch"
    ) {
        self.host = host
        self.port = port
        self.from = from
        self.to = to
        self.username = username
        self.password = password
        self.tls = tls
        self.heloName = heloName
    }
}

/// Retries of failed deliveries: attempt n waits `initialBackoff * multiplier^(n-1)`,
/// capped at `maxBackoff`, up to `maxAttempts` attempts in all.
public struct DeliveryPolicy: Sendable, Hashable, Codable {
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var multiplier: Double

    public init(maxAttempts: Int = 5, initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60), multiplier: Double = 2) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
    }

    public static let `default` = DeliveryPolicy()

    /// Wait before attempt `attempt + 1`, after `attempt` (1-based) failed.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        let factor = powInt(multiplier, Double(max(0, attempt - 1)))
        let ms = min(Double(initialBackoff.milliseconds) * factor, Double(maxBackoff.milliseconds))
        return .milliseconds(Int64(ms))
    }
}

private func powInt(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(exponent) { result *= base }
    return result
}
