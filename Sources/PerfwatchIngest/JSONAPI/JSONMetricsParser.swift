public import PerfwatchModel

/// Parses `POST /api/v1/metrics` bodies: `{"metrics":[{name, kind, value, unit, time, tags}]}`.
/// Malformed JSON fails as a whole (with its position); a malformed item is rejected alone
/// (partial success).
public struct JSONMetricsParser: Sendable {
    public var limits: ValidationLimits

    public init(limits: ValidationLimits = ValidationLimits()) { self.limits = limits }

    public func parse(_ body: [UInt8], nowMs: Int64) throws -> IngestBatch {
        let document = try JSONReader.parse(body)
        guard case .object = document, let metrics = document["metrics"] else {
            throw PerfwatchError(.badRequest, "body must be an object with a \"metrics\" array")
        }
        guard let items = metrics.arrayValue else {
            throw PerfwatchError(.badRequest, "\"metrics\" must be an array, not \(metrics.typeName)")
        }
        var batch = IngestBatch()
        batch.points.reserveCapacity(entries: items.count)
        batch.sourceIndexes.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            switch point(from: item, nowMs: nowMs) {
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

        init(_ reason: String, _ message: String) {
            self.reason = reason
            self.message = message
        }
    }

    private func point(from item: JSONValue, nowMs: Int64) -> Result<MetricPoint, Rejection> {
        guard let members = item.objectMembers else {
            return .failure(Rejection("invalid_item", "item is \(item.typeName), not an object"))
        }
        var name: String?
        var kindText: String?
        var value: Double?
        var unit: String?
        var timeMs = nowMs
        var tags: [String: String] = [:]
        for (key, field) in members {
            switch key {
            case "name":
                guard let text = field.stringValue else { return .failure(Rejection("invalid_name", "name must be a string, not \(field.typeName)")) }
                name = text
            case "kind":
                guard let text = field.stringValue else { return .failure(Rejection("invalid_kind", "kind must be a string, not \(field.typeName)")) }
                kindText = text
            case "unit":
                if case .null = field { continue }
                guard let text = field.stringValue else { return .failure(Rejection("invalid_unit", "unit must be a string, not \(field.typeName)")) }
                unit = text
            case "value":
                switch field {
                case .number(let number, _): value = number
                case .nonFinite(let number): value = number
                case .string(let text):
                    // A numeric string is accepted ("12.5"); anything else is not a number, which
                    // "not a finite number (NaN or Infinity)" would misname (issue 15).
                    guard let number = Double(text) else {
                        return .failure(Rejection("invalid_value", "value must be a number, not the string '\(text.prefix(32))'"))
                    }
                    value = number
                default: return .failure(Rejection("invalid_value", "value must be a number, not \(field.typeName)"))
                }
            case "time":
                switch field {
                case .null: continue
                case .number(let number, let integer):
                    guard let ms = integer ?? (number.isFinite && abs(number) < 9e15 ? Int64(number) : nil) else {
                        return .failure(Rejection("invalid_time", "time \(number) is not unix milliseconds"))
                    }
                    timeMs = ms
                case .string(let text):
                    guard let ms = TimeParsing.parseRFC3339(text) ?? Int64(text) else {
                        return .failure(Rejection("invalid_time", "time '\(text.prefix(64))' is neither unix ms nor RFC 3339"))
                    }
                    timeMs = ms
                default:
                    return .failure(Rejection("invalid_time", "time must be unix milliseconds or an RFC 3339 string, not \(field.typeName)"))
                }
            case "tags":
                if case .null = field { continue }
                guard let pairs = field.objectMembers else {
                    return .failure(Rejection("invalid_item", "tags must be an object of string values, not \(field.typeName)"))
                }
                for (tagKey, tagValue) in pairs {
                    // `"status": 200` is common; numbers and booleans become their text.
                    switch tagValue {
                    case .string(let text): tags[tagKey] = text
                    case .number(let number, let integer): tags[tagKey] = integer.map(String.init) ?? String(number)
                    case .bool(let flag): tags[tagKey] = String(flag)
                    default: return .failure(Rejection("invalid_tag", "tag '\(tagKey.prefix(64))' must be a string, not \(tagValue.typeName)"))
                    }
                }
            default:
                continue  // unknown fields are ignored so clients can send extra context
            }
        }
        guard let name else { return .failure(Rejection("invalid_name", "name is missing")) }
        guard let kindText else {
            return .failure(Rejection("invalid_kind", "kind is missing (timing, histogram, counter or gauge)"))
        }
        let kind: MetricKind
        switch kindText {
        case "timing", "histogram", "distribution": kind = .distribution
        case "counter": kind = .counter
        case "gauge": kind = .gauge
        default:
            return .failure(Rejection("invalid_kind", "unknown kind '\(kindText.prefix(64))' (timing, histogram, counter or gauge)"))
        }
        guard let value else { return .failure(Rejection("invalid_value", "value is missing")) }
        if let (reason, message) = limits.check(name: name, tags: tags, value: value, timeMs: timeMs, nowMs: nowMs) {
            return .failure(Rejection(reason, message))
        }
        if kind == .counter && value < 0 {
            return .failure(Rejection("invalid_value", "counter increment \(value) is negative"))
        }
        return .success(
            MetricPoint(
                series: SeriesKey(metric: name, labels: Labels(tags)), kind: kind, temporality: .delta,
                unit: unit ?? (kindText == "timing" ? "ms" : ""), sample: Sample(timeMs: timeMs, value: value)))
    }
}
