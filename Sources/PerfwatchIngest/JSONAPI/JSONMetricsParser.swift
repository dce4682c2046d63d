import Foundation
public import PerfwatchModel

/// Parses `POST /api/v1/metrics` bodies: `{"metrics":[{name, kind, value, unit, time, tags}]}`.
/// A malformed body fails as a whole; a malformed item is rejected alone (partial success).
public struct JSONMetricsParser: Sendable {
    public var limits: ValidationLimits

    public init(limits: ValidationLimits = ValidationLimits()) { self.limits = limits }

    public func parse(_ body: [UInt8], nowMs: Int64) throws -> IngestBatch {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(body))
        } catch let error as DecodingError {
            // Bare NaN/Infinity are not JSON, but clients send them; reject just those items.
            if let quoted = JSONSyntaxLocator.quotingNonFiniteLiterals(body),
                let retried = try? JSONDecoder().decode(Envelope.self, from: Data(quoted))
            {
                envelope = retried
            } else if let position = JSONSyntaxLocator.firstError(in: body) {
                throw PerfwatchError(.badRequest, "malformed JSON at \(position)")
            } else {
                throw PerfwatchError(.badRequest, "malformed JSON: \(Self.describe(error))")
            }
        }
        guard let items = envelope.metrics else {
            throw PerfwatchError(.badRequest, "body must be an object with a \"metrics\" array")
        }
        var batch = IngestBatch()
        batch.points.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            switch validate(item, nowMs: nowMs) {
            case .success(let point):
                batch.points.append(point)
                batch.sourceIndexes.append(index)
            case .failure(let rejection):
                batch.rejections.append(ItemRejection(index: index, reason: rejection.reason, error: rejection.message))
            }
        }
        return batch
    }

    struct Rejection: Error {
        let reason: String
        let message: String
    }

    private func validate(_ item: RawItem, nowMs: Int64) -> Result<MetricPoint, Rejection> {
        if let problem = item.problem { return .failure(Rejection(reason: "invalid_item", message: problem)) }
        guard let name = item.name else { return .failure(Rejection(reason: "invalid_name", message: "name is missing")) }
        guard let kindText = item.kind else {
            return .failure(Rejection(reason: "invalid_kind", message: "kind is missing (timing, histogram, counter or gauge)"))
        }
        let kind: MetricKind
        switch kindText {
        case "timing", "histogram", "distribution": kind = .distribution
        case "counter": kind = .counter
        case "gauge": kind = .gauge
        default:
            return .failure(Rejection(reason: "invalid_kind", message: "unknown kind '\(kindText.prefix(64))' (timing, histogram, counter or gauge)"))
        }
        guard let value = item.value else {
            return .failure(Rejection(reason: "invalid_value", message: "value is missing"))
        }
        var timeMs = nowMs
        if let time = item.time {
            switch time {
            case .milliseconds(let ms): timeMs = ms
            case .text(let text):
                guard let parsed = TimeParsing.parseRFC3339(text) ?? Int64(text) else {
                    return .failure(Rejection(reason: "invalid_time", message: "time '\(text.prefix(64))' is neither unix ms nor RFC 3339"))
                }
                timeMs = parsed
            }
        }
        let tags = item.tags ?? [:]
        if let (reason, message) = limits.check(name: name, tags: tags, value: value, timeMs: timeMs, nowMs: nowMs) {
            return .failure(Rejection(reason: reason, message: message))
        }
        if kind == .counter && value < 0 {
            return .failure(Rejection(reason: "invalid_value", message: "counter increment \(value) is negative"))
        }
        let unit = item.unit ?? (kind == .distribution && kindText == "timing" ? "ms" : "")
        return .success(
            MetricPoint(
                series: SeriesKey(metric: name, labels: Labels(tags)), kind: kind, temporality: .delta, unit: unit,
                sample: Sample(timeMs: timeMs, value: value)))
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0))" } ?? ""
            return context.debugDescription + underlying
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return "\(path.isEmpty ? "body" : path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    struct Envelope: Decodable {
        let metrics: [RawItem]?
    }

    enum RawTime {
        case milliseconds(Int64)
        case text(String)
    }

    /// One item, decoded leniently: field errors are recorded, never thrown, so one bad item
    /// cannot fail the batch.
    struct RawItem: Decodable {
        var name: String?
        var kind: String?
        var value: Double?
        var unit: String?
        var time: RawTime?
        var tags: [String: String]?
        var problem: String?

        enum Keys: String, CodingKey { case name, kind, value, unit, time, tags }

        init(from decoder: any Decoder) throws {
            guard let container = try? decoder.container(keyedBy: Keys.self) else {
                problem = "item is not an object"
                return
            }
            func field<T: Decodable>(_ key: Keys, _ type: T.Type, _ expectation: String) -> T? {
                guard container.contains(key) else { return nil }
                if (try? container.decodeNil(forKey: key)) == true { return nil }
                do { return try container.decode(type, forKey: key) } catch {
                    if problem == nil { problem = "\(key.stringValue) must be \(expectation)" }
                    return nil
                }
            }
            name = field(.name, String.self, "a string")
            kind = field(.kind, String.self, "a string")
            unit = field(.unit, String.self, "a string")
            if container.contains(.value) {
                if let number = try? container.decode(Double.self, forKey: .value) {
                    value = number
                } else if let text = try? container.decode(String.self, forKey: .value) {
                    if let number = Double(text), number.isFinite { value = number } else {
                        value = .nan  // validation reports it as not finite
                    }
                } else {
                    // e.g. 1e999: out of Double's range.
                    value = .infinity
                }
            }
            if container.contains(.time) {
                if let ms = try? container.decode(Int64.self, forKey: .time) {
                    time = .milliseconds(ms)
                } else if let ms = try? container.decode(Double.self, forKey: .time), ms.isFinite, abs(ms) < 9e15 {
                    time = .milliseconds(Int64(ms))
                } else if let text = try? container.decode(String.self, forKey: .time) {
                    time = .text(text)
                } else if problem == nil {
                    problem = "time must be unix milliseconds or an RFC 3339 string"
                }
            }
            if container.contains(.tags) {
                if let tagValues = try? container.decode([String: TagValue].self, forKey: .tags) {
                    tags = tagValues.mapValues(\.text)
                } else if (try? container.decodeNil(forKey: .tags)) != true, problem == nil {
                    problem = "tags must be an object of string values"
                }
            }
        }
    }

    /// Tag values may be sent as strings, numbers or booleans (`"status": 200`); all become text.
    struct TagValue: Decodable {
        let text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) {
                text = string
            } else if let integer = try? container.decode(Int64.self) {
                text = String(integer)
            } else if let number = try? container.decode(Double.self) {
                text = String(number)
            } else if let flag = try? container.decode(Bool.self) {
                text = String(flag)
            } else {
                throw DecodingError.typeMismatch(
                    String.self, .init(codingPath: decoder.codingPath, debugDescription: "tag value must be a string"))
            }
        }
    }
}
