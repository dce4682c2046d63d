/// One span of a distributed trace, normalized from OTLP (protobuf or JSON).
public struct Span: Sendable, Equatable {
    public enum Kind: Int, Sendable, Codable {
        case unspecified = 0, `internal` = 1, server = 2, client = 3, producer = 4, consumer = 5

        public var name: String {
            switch self {
            case .unspecified: "unspecified"
            case .internal: "internal"
            case .server: "server"
            case .client: "client"
            case .producer: "producer"
            case .consumer: "consumer"
            }
        }
    }

    public enum Status: Int, Sendable, Codable {
        case unset = 0, ok = 1, error = 2
    }

    public struct Event: Sendable, Equatable, Codable {
        public var timeNs: Int64
        public var name: String
        public var attributes: [String: String]

        public init(timeNs: Int64, name: String, attributes: [String: String]) {
            self.timeNs = timeNs
            self.name = name
            self.attributes = attributes
        }
    }

    /// 32 lowercase hex digits.
    public var traceID: String
    /// 16 lowercase hex digits.
    public var spanID: String
    /// Empty for a root span.
    public var parentSpanID: String
    public var service: String
    public var name: String
    public var kind: Kind
    public var startNs: Int64
    public var durationNs: Int64
    public var status: Status
    public var statusMessage: String
    /// Span attributes, values as text (arrays and maps as JSON), truncated to the limits.
    public var attributes: [String: String]
    public var events: [Event]
    /// Resource attributes (`service.version`, `deployment.environment`, …).
    public var resource: [String: String]
    /// The route pattern (`http.route`, or the path made into a pattern); empty when not HTTP.
    public var route: String
    /// The query fingerprint of a database span (see `SQLFingerprint`); empty otherwise.
    public var dbFingerprint: String

    public init(
        traceID: String, spanID: String, parentSpanID: String = "", service: String, name: String, kind: Kind,
        startNs: Int64, durationNs: Int64, status: Status = .unset, statusMessage: String = "",
        attributes: [String: String] = [:], events: [Event] = [], resource: [String: String] = [:], route: String = "",
        dbFingerprint: String = ""
    ) {
        self.route = route
        self.dbFingerprint = dbFingerprint
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.service = service
        self.name = name
        self.kind = kind
        self.startNs = startNs
        self.durationNs = durationNs
        self.status = status
        self.statusMessage = statusMessage
        self.attributes = attributes
        self.events = events
        self.resource = resource
    }

    public var isError: Bool { status == .error }
    public var durationMs: Double { Double(durationNs) / 1e6 }
    public var startMs: Double { Double(startNs) / 1e6 }
}

/// Limits applied to every span at ingest; past them values are truncated with a marker.
public struct SpanLimits: Sendable {
    public var maxAttributes = 128
    public var maxAttributeValueBytes = 4096
    public var maxEvents = 128
    public static let truncationMarker = "…[truncated]"

    public init() {}

    /// Attribute namespaces kept first when a span has too many: the ones routes, RED metrics
    /// and query fingerprints are derived from.
    static let priorityPrefixes = ["http.", "url.", "db.", "rpc.", "server.", "net.", "error.", "exception.", "messaging."]

    /// Keeps at most `maxAttributes` in total — well-known namespaces first, then by key, so the
    /// choice is stable — and cuts long values. When some are dropped, one of the kept slots
    /// records how many (`perfwatch.dropped_attributes`).
    public func apply(_ attributes: [String: String]) -> (attributes: [String: String], dropped: Int) {
        // The common case, on every span: nothing to drop, so no ordering and no copy.
        if attributes.count <= maxAttributes {
            guard attributes.values.contains(where: { $0.utf8.count > maxAttributeValueBytes }) else { return (attributes, 0) }
            return (attributes.mapValues(truncated), 0)
        }
        var kept: [String: String] = [:]
        var dropped = 0
        let capacity = maxAttributes - 1
        let ordered = attributes.keys.map { key in (key, Self.priorityPrefixes.contains { key.hasPrefix($0) }) }
            .sorted { $0.1 != $1.1 ? $0.1 : $0.0 < $1.0 }
            .map(\.0)
        for key in ordered {
            guard kept.count < capacity else {
                dropped += 1
                continue
            }
            kept[key] = truncated(attributes[key]!)
        }
        kept["perfwatch.dropped_attributes"] = String(dropped)
        return (kept, dropped)
    }

    func truncated(_ value: String) -> String {
        guard value.utf8.count > maxAttributeValueBytes else { return value }
        return String(decoding: value.utf8.prefix(maxAttributeValueBytes), as: UTF8.self) + Self.truncationMarker
    }
}
