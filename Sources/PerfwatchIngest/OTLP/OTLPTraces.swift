public import PerfwatchModel

/// Items an OTLP export refused, with the first few reasons — reported back as
/// `partial_success` (rejected count and error message) for traces and metrics alike.
public struct OTLPRejections: Sendable {
    public private(set) var count = 0
    public private(set) var reasons: [String] = []
    static let reasonsKept = 5

    mutating func add(_ reason: String) {
        count += 1
        if reasons.count < Self.reasonsKept { reasons.append(reason) }
    }

    /// `3 spans rejected: reason; reason; …`, or empty when nothing was refused.
    func message(items: String) -> String {
        guard count > 0 else { return "" }
        return "\(count) \(items) rejected: " + reasons.joined(separator: "; ") + (count > reasons.count ? "; …" : "")
    }
}

/// Spans decoded from one OTLP export request, and the ones refused.
public struct OTLPTraces: Sendable {
    public var spans: [Span] = []
    public var rejections = OTLPRejections()

    mutating func reject(_ reason: String) { rejections.add(reason) }

    public var rejected: Int { rejections.count }
    public var errorMessage: String { rejections.message(items: "spans") }
}

/// Checks and assembles one span the same way for protobuf and JSON input.
struct OTLPSpanBuilder {
    var limits = SpanLimits()

    /// Fields as decoded; ids as raw bytes.
    struct Fields {
        var traceID: [UInt8] = []
        var spanID: [UInt8] = []
        var parentSpanID: [UInt8] = []
        var name = ""
        var kind = 0
        var startNs: UInt64 = 0
        var endNs: UInt64 = 0
        var statusCode = 0
        var statusMessage = ""
        var attributes: [String: String] = [:]
        var events: [Span.Event] = []
    }

    func build(_ fields: Fields, service: String, resource: [String: String]) -> Result<Span, OTLPRejection> {
        guard fields.traceID.count == 16 else {
            return .failure(OTLPRejection("trace id has \(fields.traceID.count) bytes, expected 16"))
        }
        guard fields.traceID.contains(where: { $0 != 0 }) else { return .failure(OTLPRejection("trace id is all zero")) }
        guard fields.spanID.count == 8 else {
            return .failure(OTLPRejection("span id has \(fields.spanID.count) bytes, expected 8"))
        }
        guard fields.spanID.contains(where: { $0 != 0 }) else { return .failure(OTLPRejection("span id is all zero")) }
        guard fields.parentSpanID.isEmpty || fields.parentSpanID.count == 8 else {
            return .failure(OTLPRejection("parent span id has \(fields.parentSpanID.count) bytes, expected 8 or none"))
        }
        guard fields.startNs > 0, fields.startNs <= UInt64(Int64.max) else { return .failure(OTLPRejection("span '\(fields.name.prefix(64))' has no start time")) }
        guard fields.endNs >= fields.startNs, fields.endNs <= UInt64(Int64.max) else {
            return .failure(OTLPRejection("span '\(fields.name.prefix(64))' ends before it starts"))
        }
        let (attributes, _) = limits.apply(fields.attributes)
        let parent = fields.parentSpanID.contains(where: { $0 != 0 }) ? Hex.encode(fields.parentSpanID) : ""
        var span = Span(
                traceID: Hex.encode(fields.traceID), spanID: Hex.encode(fields.spanID), parentSpanID: parent, service: service,
                name: String(fields.name.prefix(1024)), kind: Span.Kind(rawValue: fields.kind) ?? .unspecified,
                startNs: Int64(fields.startNs), durationNs: Int64(fields.endNs - fields.startNs),
                status: Span.Status(rawValue: fields.statusCode) ?? .unset, statusMessage: String(fields.statusMessage.prefix(1024)),
                attributes: attributes, events: Array(fields.events.prefix(limits.maxEvents)), resource: resource)
        if span.kind == .server || attributes.keys.contains(where: { $0.hasPrefix("http.") || $0.hasPrefix("url.") }) {
            span.route = SpanDerivations.route(of: span)
        }
        return .success(span)
    }

    /// Resource attributes become tags: service name, version and environment come first.
    static func service(from resource: [String: String]) -> String {
        resource["service.name"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown_service"
    }
}

struct OTLPRejection: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
