import PerfwatchModel

/// Decodes OTLP/JSON trace exports: lowerCamelCase fields (snake_case accepted too), hex trace
/// and span ids, enums as integers, 64-bit integers as strings or numbers.
public struct OTLPJSONTraceDecoder: Sendable {
    public init() {}

    public func decode(_ body: [UInt8]) throws -> OTLPTraces {
        do {
            return try decodeDocument(JSONReader.parse(body))
        } catch let error as OTLPAttributeText.TooDeep {
            throw PerfwatchError(.badRequest, "OTLP/JSON body: \(error.reason)")
        }
    }

    private func decodeDocument(_ document: JSONValue) throws -> OTLPTraces {
        guard case .object = document else { throw PerfwatchError(.badRequest, "OTLP/JSON body must be an object") }
        var result = OTLPTraces()
        let builder = OTLPSpanBuilder()
        for resourceSpans in Self.field(document, "resourceSpans", "resource_spans")?.arrayValue ?? [] {
            let resource = try Self.attributes(Self.field(Self.field(resourceSpans, "resource") ?? .null, "attributes"))
            let service = OTLPSpanBuilder.service(from: resource)
            for scopeSpans in Self.field(resourceSpans, "scopeSpans", "scope_spans")?.arrayValue ?? [] {
                for spanValue in Self.field(scopeSpans, "spans")?.arrayValue ?? [] {
                    switch try fields(of: spanValue) {
                    case .failure(let rejection): result.reject(rejection.message)
                    case .success(let fields):
                        switch builder.build(fields, service: service, resource: resource) {
                        case .success(let span): result.spans.append(span)
                        case .failure(let rejection): result.reject(rejection.message)
                        }
                    }
                }
            }
        }
        return result
    }

    private func fields(of value: JSONValue) throws(OTLPAttributeText.TooDeep) -> Result<OTLPSpanBuilder.Fields, OTLPRejection> {
        guard case .object = value else { return .failure(OTLPRejection("span is \(value.typeName), not an object")) }
        var fields = OTLPSpanBuilder.Fields()
        let ids: [(String, String, WritableKeyPath<OTLPSpanBuilder.Fields, [UInt8]>)] = [
            ("traceId", "trace_id", \.traceID), ("spanId", "span_id", \.spanID), ("parentSpanId", "parent_span_id", \.parentSpanID),
        ]
        for (name, snake, target) in ids {
            guard let raw = Self.field(value, name, snake) else { continue }
            guard let text = raw.stringValue, let bytes = Hex.decode(text) else {
                return .failure(OTLPRejection("\(name) is not hex"))
            }
            fields[keyPath: target] = bytes
        }
        fields.name = Self.field(value, "name")?.stringValue ?? ""
        fields.kind = Int(Self.integer(Self.field(value, "kind")) ?? 0)
        guard let start = Self.integer(Self.field(value, "startTimeUnixNano", "start_time_unix_nano")),
            let end = Self.integer(Self.field(value, "endTimeUnixNano", "end_time_unix_nano")), start >= 0, end >= 0
        else { return .failure(OTLPRejection("span '\(fields.name.prefix(64))' has invalid start or end time")) }
        fields.startNs = UInt64(start)
        fields.endNs = UInt64(end)
        if let status = Self.field(value, "status") {
            fields.statusCode = Int(Self.integer(Self.field(status, "code")) ?? 0)
            fields.statusMessage = Self.field(status, "message")?.stringValue ?? ""
        }
        fields.attributes = try Self.attributes(Self.field(value, "attributes"))
        for event in Self.field(value, "events")?.arrayValue ?? [] {
            fields.events.append(
                Span.Event(
                    timeNs: Self.integer(Self.field(event, "timeUnixNano", "time_unix_nano")) ?? 0,
                    name: Self.field(event, "name")?.stringValue ?? "", attributes: try Self.attributes(Self.field(event, "attributes"))))
        }
        return .success(fields)
    }

    static func field(_ value: JSONValue, _ names: String...) -> JSONValue? {
        for name in names { if let found = value[name] { return found } }
        return nil
    }

    /// Integers as JSON numbers or as decimal strings (the JSON mapping of 64-bit fields).
    static func integer(_ value: JSONValue?) -> Int64? {
        switch value {
        case .number(let number, let integer): integer ?? (number.isFinite && abs(number) < 9.2e18 ? Int64(number) : nil)
        case .string(let text): Int64(text)
        default: nil
        }
    }

    /// `[{"key": k, "value": AnyValue}]` as text values (arrays and maps rendered as JSON by
    /// `OTLPAttributeText`).
    static func attributes(_ value: JSONValue?) throws(OTLPAttributeText.TooDeep) -> [String: String] {
        var result: [String: String] = [:]
        for pair in value?.arrayValue ?? [] {
            guard let key = pair["key"]?.stringValue else { continue }
            result[key] = try rendered(pair["value"] ?? .null, depth: 1).text
        }
        return result
    }

    /// `depth`: the value's nesting level, 1 for an attribute's own value.
    static func rendered(_ anyValue: JSONValue, depth: Int) throws(OTLPAttributeText.TooDeep) -> OTLPAttributeText.Rendered {
        if let string = field(anyValue, "stringValue", "string_value")?.stringValue { return .scalar(string) }
        if case .bool(let flag)? = field(anyValue, "boolValue", "bool_value") { return .scalar(String(flag)) }
        if let integer = integer(field(anyValue, "intValue", "int_value")) { return .scalar(String(integer)) }
        if case .number(let number, _)? = field(anyValue, "doubleValue", "double_value") { return .scalar(String(number)) }
        if let array = field(anyValue, "arrayValue", "array_value") {
            try OTLPAttributeText.enter(depth)
            var elements: [OTLPAttributeText.Rendered] = []
            for element in array["values"]?.arrayValue ?? [] { elements.append(try rendered(element, depth: depth + 1)) }
            return OTLPAttributeText.array(elements)
        }
        if let list = field(anyValue, "kvlistValue", "kvlist_value") {
            try OTLPAttributeText.enter(depth)
            var members: [String: OTLPAttributeText.Rendered] = [:]
            for pair in list["values"]?.arrayValue ?? [] {
                guard let key = pair["key"]?.stringValue else { continue }
                members[key] = try rendered(pair["value"] ?? .null, depth: depth + 1)
            }
            return OTLPAttributeText.map(members)
        }
        if let bytes = field(anyValue, "bytesValue", "bytes_value")?.stringValue { return .scalar(bytes) }
        return .scalar("")
    }
}
