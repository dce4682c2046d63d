/// What a destination receives: metric points, spans, or both (`signals:`).
public enum ForwardSignal: UInt8, Sendable, CaseIterable {
    case metrics = 1
    case traces = 2

    public var name: String { self == .metrics ? "metrics" : "traces" }
}

/// One `forwarding:` entry (docs/forwarding.md), checked at start-up: URLs parse, required
/// fields are there and every `*_env` variable is set (its value is kept, never logged).
public struct ForwardDestination: Sendable {
    public enum Kind: Sendable, Equatable {
        /// OTLP/HTTP protobuf to `metricsURL` and `tracesURL`.
        case otlp(metricsURL: String, tracesURL: String, gzip: Bool)
        /// Datadog's series API v2 (`POST {site}/api/v2/series`).
        case datadog(seriesURL: String, apiKey: String)
        /// CloudWatch `PutMetricData` (query protocol), signed with Signature V4.
        case cloudwatch(CloudWatchTarget)

        public var typeName: String {
            switch self {
            case .otlp: "otlp"
            case .datadog: "datadog"
            case .cloudwatch: "cloudwatch"
            }
        }
    }

    public struct CloudWatchTarget: Sendable, Equatable {
        public var endpoint: String
        public var region: String
        public var namespace: String
        public var credentials: AWSCredentials

        public init(endpoint: String, region: String, namespace: String, credentials: AWSCredentials) {
            self.endpoint = endpoint
            self.region = region
            self.namespace = namespace
            self.credentials = credentials
        }
    }

    /// How long the sender waits after a failure: doubling from `initial` up to `maximum`, with jitter.
    public struct Backoff: Sendable, Equatable {
        public var initial: Duration = .milliseconds(500)
        public var maximum: Duration = .seconds(60)

        public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(60)) {
            self.initial = initial
            self.maximum = maximum
        }
    }

    public var name: String
    public var kind: Kind
    public var headers: [(String, String)]
    public var signals: Set<ForwardSignal>
    public var metricFilter: MetricNameFilter
    /// nil: `<data dir>/forwarding/<name>` (resolved by the server, which knows the data directory).
    public var spoolDirectory: String?
    public var spoolMaxBytes: Int
    /// Over one whole request; a destination that hangs is retried after this.
    public var timeout: Duration
    public var backoff: Backoff

    public static let defaultSpoolMaxBytes = 256 << 20

    public init(
        name: String, kind: Kind, headers: [(String, String)] = [], signals: Set<ForwardSignal>, metricFilter: MetricNameFilter = MetricNameFilter(),
        spoolDirectory: String? = nil, spoolMaxBytes: Int = ForwardDestination.defaultSpoolMaxBytes, timeout: Duration = .seconds(10),
        backoff: Backoff = Backoff()
    ) {
        self.name = name
        self.kind = kind
        self.headers = headers
        self.signals = signals
        self.metricFilter = metricFilter
        self.spoolDirectory = spoolDirectory
        self.spoolMaxBytes = spoolMaxBytes
        self.timeout = timeout
        self.backoff = backoff
    }

    /// Whether this destination wants `name`'s points at all.
    public func wants(metric name: String) -> Bool { signals.contains(.metrics) && metricFilter.allows(name) }
}

/// AWS access key pair (and session token, for temporary credentials).
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}
