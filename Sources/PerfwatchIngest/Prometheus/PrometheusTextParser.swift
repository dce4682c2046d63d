public import PerfwatchModel

/// Parses the Prometheus text exposition format as VictoriaMetrics accepts it on
/// `/api/v1/import/prometheus`: `# TYPE`/`# HELP` lines, optional millisecond timestamps,
/// counters, gauges, classic histograms (`_bucket`/`_sum`/`_count`) and summaries.
///
/// The request is all-or-nothing: the first bad line fails it with its line number.
/// Samples whose value is NaN or ±Inf (legal in the format, e.g. an empty summary) are stored as
/// Prometheus stores them, bit for bit (issue 19); the legacy `/api/v1/query` statistics skip them.
public struct PrometheusTextParser: Sendable {
    public var limits: ValidationLimits

    public init(limits: ValidationLimits = ValidationLimits()) { self.limits = limits }

    public struct Result: Sendable {
        public var points = PointBatch()
    }

    enum FamilyType: String {
        case counter, gauge, histogram, summary, untyped
    }

    public func parse(_ body: [UInt8], nowMs: Int64) throws -> Result {
        var result = Result()
        var types: [String: FamilyType] = [:]
        var seriesCache = SeriesBytesTable()
        var lineNumber = 0
        var lineStart = 0
        let end = body.count
        result.points.reserveCapacity(entries: end / 40)
        while lineStart < end {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < end && body[lineEnd] != 10 { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > lineStart && body[contentEnd - 1] == 13 { contentEnd -= 1 }
            defer { lineStart = lineEnd + 1 }
            var cursor = Cursor(bytes: body, position: lineStart, end: contentEnd)
            cursor.skipSpaces()
            if cursor.atEnd { continue }
            if cursor.peek == UInt8(ascii: "#") {
                parseComment(&cursor, into: &types)
                continue
            }
            do {
                let seriesStart = cursor.position
                // Most lines repeat a series seen earlier in the request: find the end of
                // `name{labels}` with a quick scan and parse names and labels only on a miss.
                let seriesEnd = cursor.scanSeriesEnd() ?? contentEnd
                let seriesBytes = seriesStart..<seriesEnd
                let seriesIndex: Int32
                if let cached = seriesCache.find(seriesBytes, in: body) {
                    seriesIndex = cached
                    cursor.position = seriesEnd
                } else {
                    cursor.position = seriesStart
                    let name = try cursor.readMetricName()
                    var labels: [String: String] = [:]
                    if !cursor.atEnd && cursor.peek == UInt8(ascii: "{") {
                        labels = try cursor.readLabels()
                    }
                    if let (_, message) = limits.check(name: name, tags: labels, value: 0, timeMs: nowMs, nowMs: nowMs) {
                        throw LineError(message)
                    }
                    let (kind, temporality) = Self.classify(name: name, labels: labels, types: types)
                    seriesIndex = result.points.addSeries(
                        PointBatch.Series(key: SeriesKey(metric: name, labels: Labels(labels)), kind: kind, temporality: temporality, unit: ""))
                    seriesCache.insert(seriesStart..<cursor.position, in: body, value: seriesIndex)
                }
                guard cursor.skipSpaces() > 0 else { throw LineError("expected a space before the value") }
                let valueToken = cursor.readToken()
                guard let value = Self.parseValue(valueToken) else {
                    throw LineError("value '\(String(decoding: valueToken.prefix(40), as: UTF8.self))' is not a number")
                }
                var timeMs = nowMs
                cursor.skipSpaces()
                if !cursor.atEnd {
                    let timeToken = cursor.readToken()
                    guard let parsed = DecimalParsing.integer(timeToken) else {
                        throw LineError("timestamp '\(String(decoding: timeToken.prefix(40), as: UTF8.self))' is not integer milliseconds")
                    }
                    timeMs = parsed
                    cursor.skipSpaces()
                    guard cursor.atEnd else { throw LineError("unexpected text after the timestamp") }
                }
                if timeMs > nowMs + limits.maxFutureMs {
                    throw LineError("timestamp \(timeMs) is more than \(limits.maxFutureMs / 60000) min in the future (milliseconds expected)")
                }
                if timeMs < nowMs - limits.maxAgeMs {
                    throw LineError("timestamp \(timeMs) is older than the retention of \(limits.maxAgeMs / 3_600_000) h")
                }
                result.points.add(series: seriesIndex, sample: Sample(timeMs: timeMs, value: value))
            } catch let error as LineError {
                throw PerfwatchError(.badRequest, "line \(lineNumber): \(error.message)")
            }
        }
        return result
    }

    private func parseComment(_ cursor: inout Cursor, into types: inout [String: FamilyType]) {
        cursor.advance()  // '#'
        cursor.skipSpaces()
        let keyword = cursor.readToken()
        guard keyword.elementsEqual("TYPE".utf8) else { return }
        cursor.skipSpaces()
        let family = String(decoding: cursor.readToken(), as: UTF8.self)
        cursor.skipSpaces()
        let typeName = String(decoding: cursor.readToken(), as: UTF8.self)
        types[family] = FamilyType(rawValue: typeName) ?? .untyped
    }

    /// Histogram and summary parts are stored as VictoriaMetrics stores them: `_bucket`, `_sum`,
    /// `_count` as cumulative counters and summary quantiles as gauges.
    static func classify(name: String, labels: [String: String], types: [String: FamilyType]) -> (MetricKind, Temporality) {
        if let type = types[name] {
            switch type {
            case .counter: return (.counter, .cumulative)
            case .gauge, .untyped: return (.gauge, .cumulative)
            case .summary: return (.gauge, .cumulative)  // the quantile lines
            case .histogram: return (.counter, .cumulative)
            }
        }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let family = String(name.dropLast(suffix.count))
            if let type = types[family], type == .histogram || type == .summary { return (.counter, .cumulative) }
        }
        return (.gauge, .cumulative)
    }

    /// Plain decimals take the exact fast path; NaN and ±Inf spellings of the format are
    /// recognised; anything else goes through the standard library.
    static func parseValue(_ token: ArraySlice<UInt8>) -> Double? {
        guard !token.isEmpty else { return nil }
        if let value = DecimalParsing.fastDouble(token) { return value }
        return slowParseValue(token)
    }

    static func slowParseValue(_ token: ArraySlice<UInt8>) -> Double? {
        let text = String(decoding: token, as: UTF8.self)
        switch text {
        case "+Inf", "Inf", "inf", "+inf": return .infinity
        case "-Inf", "-inf": return -.infinity
        case "NaN", "nan": return .nan
        default:
            guard let first = token.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".") || (first >= 48 && first <= 57) else {
                return nil
            }
            return Double(text)
        }
    }
}

struct LineError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Byte cursor over one line.
struct Cursor {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    var atEnd: Bool { position >= end }
    var peek: UInt8 { bytes[position] }

    mutating func advance() { position += 1 }

    @discardableResult
    mutating func skipSpaces() -> Int {
        let start = position
        while position < end && (bytes[position] == 32 || bytes[position] == 9) { position += 1 }
        return position - start
    }

    /// Moves past `name` or `name{...}` (quotes and escapes respected) and returns the end
    /// position, or nil (position unchanged) when the text is not a well-formed series.
    mutating func scanSeriesEnd() -> Int? {
        let start = position
        guard !atEnd, Self.isNameStart(peek) else { return nil }
        while position < end && Self.isNameByte(bytes[position]) { position += 1 }
        guard position < end, bytes[position] == UInt8(ascii: "{") else { return position }
        var inQuotes = false
        while position < end {
            let byte = bytes[position]
            position += 1
            if inQuotes {
                if byte == UInt8(ascii: "\\") { position += 1 } else if byte == UInt8(ascii: "\"") { inQuotes = false }
            } else if byte == UInt8(ascii: "\"") {
                inQuotes = true
            } else if byte == UInt8(ascii: "}") {
                return position
            }
        }
        position = start
        return nil
    }

    mutating func readToken() -> ArraySlice<UInt8> {
        let start = position
        while position < end && bytes[position] != 32 && bytes[position] != 9 { position += 1 }
        return bytes[start..<position]
    }

    static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95 || byte == 58
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (byte >= 48 && byte <= 57)
    }

    mutating func readMetricName() throws -> String {
        let start = position
        guard !atEnd, Self.isNameStart(peek) else { throw LineError("expected a metric name") }
        while position < end && Self.isNameByte(bytes[position]) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func readLabels() throws -> [String: String] {
        advance()  // '{'
        var labels: [String: String] = [:]
        while true {
            skipSpaces()
            guard !atEnd else { throw LineError("unterminated label set: missing '}'") }
            if peek == UInt8(ascii: "}") {
                advance()
                return labels
            }
            let nameStart = position
            guard Self.isNameStart(peek) && peek != 58 else { throw LineError("expected a label name") }
            while position < end && Self.isNameByte(bytes[position]) && bytes[position] != 58 { position += 1 }
            let name = String(decoding: bytes[nameStart..<position], as: UTF8.self)
            skipSpaces()
            guard !atEnd, peek == UInt8(ascii: "=") else { throw LineError("expected '=' after label \(name)") }
            advance()
            skipSpaces()
            guard !atEnd, peek == UInt8(ascii: "\"") else { throw LineError("label \(name) value must be quoted") }
            advance()
            var value: [UInt8] = []
            var closed = false
            while position < end {
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "\"") {
                    closed = true
                    break
                }
                if byte == UInt8(ascii: "\\") {
                    guard position < end else { break }
                    let escaped = bytes[position]
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "n"): value.append(10)
                    case UInt8(ascii: "\\"), UInt8(ascii: "\""): value.append(escaped)
                    default: throw LineError("unknown escape '\\\(Character(UnicodeScalar(escaped)))' in label \(name)")
                    }
                } else {
                    value.append(byte)
                }
            }
            guard closed else { throw LineError("unterminated value of label \(name)") }
            guard labels[name] == nil else { throw LineError("duplicate label \(name)") }
            labels[name] = String(decoding: value, as: UTF8.self)
            skipSpaces()
            guard !atEnd else { throw LineError("unterminated label set: missing '}'") }
            if peek == UInt8(ascii: ",") { advance() }
            else if peek != UInt8(ascii: "}") { throw LineError("expected ',' or '}' after label \(name)") }
        }
    }
}

/// Maps the raw `name{labels}` bytes of a line to its series index in the batch.
/// Open addressing with an FNV-1a hash over the bytes: the standard Dictionary's SipHash
/// was the largest single cost of parsing in profiles.
struct SeriesBytesTable {
    private var slots: [(hash: UInt64, range: Range<Int>, value: Int32)?] = Array(repeating: nil, count: 1024)
    private var count = 0

    static func hash(_ range: Range<Int>, in bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for index in range {
            hash = (hash ^ UInt64(bytes[index])) &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    func find(_ range: Range<Int>, in bytes: [UInt8]) -> Int32? {
        let hash = Self.hash(range, in: bytes)
        var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while let entry = slots[slot] {
            if entry.hash == hash && entry.range.count == range.count
                && bytes[entry.range].elementsEqual(bytes[range])
            {
                return entry.value
            }
            slot = (slot + 1) & (slots.count - 1)
        }
        return nil
    }

    mutating func insert(_ range: Range<Int>, in bytes: [UInt8], value: Int32) {
        if (count + 1) * 2 > slots.count { grow() }
        let hash = Self.hash(range, in: bytes)
        var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while slots[slot] != nil { slot = (slot + 1) & (slots.count - 1) }
        slots[slot] = (hash, range, value)
        count += 1
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: nil, count: old.count * 2)
        for case let entry? in old {
            var slot = Int(truncatingIfNeeded: entry.hash) & (slots.count - 1)
            while slots[slot] != nil { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = entry
        }
    }
}
