import Foundation
import PerfwatchPromQL

/// A reader and runner for Prometheus' test-script format (`promql/promqltest`): `clear`, `load <interval>` with
/// series in `a+bxN` notation, `eval instant at <time> <expr>`, `eval_ordered`, `eval_fail` and
/// `eval range from <t> to <t> step <d> <expr>`, each followed by the expected result lines.
struct PromQLTestScript {
    struct Failure: CustomStringConvertible {
        let file: String
        let line: Int
        let message: String
        var description: String { "\(file):\(line): \(message)" }
    }

    let name: String
    let lines: [String]

    init(path: String) throws {
        name = (path as NSString).lastPathComponent
        lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
    }

    init(name: String, text: String) {
        self.name = name
        lines = text.components(separatedBy: "\n")
    }

    /// Runs every command; returns the failures (empty when the file passes) and how many evals ran.
    func run() async -> (failures: [Failure], evaluations: Int) {
        var failures: [Failure] = []
        var series: [Labels: [PromSample]] = [:]
        var evaluations = 0
        var index = 0
        func fail(_ line: Int, _ message: String) { failures.append(Failure(file: name, line: line + 1, message: message)) }
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            let lineNumber = index
            index += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            // A command's block: the indented or non-empty lines up to the next blank line.
            var block: [(Int, String)] = []
            while index < lines.count, !lines[index].trimmingCharacters(in: .whitespaces).isEmpty, !Self.isCommand(lines[index]) {
                let text = lines[index].trimmingCharacters(in: .whitespaces)
                if !text.hasPrefix("#") { block.append((index, text)) }
                index += 1
            }
            do {
                if line == "clear" {
                    series = [:]
                } else if line.hasPrefix("load ") {
                    guard let interval = Self.parseTime(String(line.dropFirst(5)).trimmingCharacters(in: .whitespaces)) else {
                        fail(lineNumber, "bad load interval")
                        continue
                    }
                    for (number, text) in block {
                        do {
                            let (labels, values) = try Self.parseSeriesLine(text)
                            for (offset, value) in values.enumerated() {
                                guard let value else { continue }
                                series[labels, default: []].append(PromSample(timestampMs: Int64(offset) * interval, value: value))
                            }
                        } catch {
                            fail(number, "bad series line: \(error)")
                        }
                    }
                } else if line.hasPrefix("eval") {
                    evaluations += 1
                    let source = InMemorySeriesSource(series: series.map { PromSeries(labels: $0.key, samples: $0.value.sorted { $0.timestampMs < $1.timestampMs }) })
                    if let message = await runEval(line, block, source) { fail(lineNumber, message) }
                } else {
                    fail(lineNumber, "unknown command: \(line)")
                }
            }
        }
        return (failures, evaluations)
    }

    /// A command starts its own block even without a blank line before it.
    static func isCommand(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed == "clear" || trimmed.hasPrefix("load ") || trimmed.hasPrefix("eval ") || trimmed.hasPrefix("eval_fail ")
            || trimmed.hasPrefix("eval_ordered ")
    }

    // MARK: eval

    private func runEval(_ command: String, _ block: [(Int, String)], _ source: InMemorySeriesSource) async -> String? {
        let words = command.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.count >= 4 else { return "malformed eval: \(command)" }
        let verb = words[0]
        let engine = PromQLEngine(source: source)
        let expected = block.map(\.1)
        do {
            let result: PromValue
            let query: String
            var grid: (startMs: Int64, stepMs: Int64)?
            if words[1] == "instant", words[2] == "at" {
                guard let time = Self.parseTime(words[3]) else { return "bad time \(words[3])" }
                query = words.dropFirst(4).joined(separator: " ")
                result = try await engine.evaluate(query, atMs: time)
            } else if words[1] == "range", words.count >= 9, words[2] == "from", words[4] == "to", words[6] == "step",
                let start = Self.parseTime(words[3]), let end = Self.parseTime(words[5]), let step = Self.parseTime(words[7])
            {
                query = words.dropFirst(8).joined(separator: " ")
                grid = (start, step)
                result = try await engine.evaluate(query, startMs: start, endMs: end, stepMs: step)
            } else {
                return "malformed eval: \(command)"
            }
            if verb == "eval_fail" { return "expected an error, got \(Self.describe(result)) for \(query)" }
            return compare(result, expected, ordered: verb == "eval_ordered", query: query, grid: grid)
        } catch {
            guard verb == "eval_fail" else { return "unexpected error: \(error)" }
            if let wanted = expected.first, wanted.hasPrefix("error ") {
                let substring = String(wanted.dropFirst(6))
                if !"\(error)".contains(substring) { return "error \"\(error)\" does not contain \"\(substring)\"" }
            }
            return nil
        }
    }

    /// `grid`: a range query's start and step, so the n-th expected value (or `_`) is checked at start + n·step;
    /// without it (a range selector's matrix) only the values in order are compared.
    private func compare(_ result: PromValue, _ expected: [String], ordered: Bool, query: String, grid: (startMs: Int64, stepMs: Int64)?) -> String? {
        switch result {
        case .scalar(_, let value):
            guard expected.count == 1, let wanted = Self.parseValue(expected[0]) else {
                return "\(query): got scalar \(value), expected \(expected)"
            }
            return Self.almostEqual(value, wanted) ? nil : "\(query): got scalar \(value), expected \(wanted)"
        case .string(_, let text):
            return expected == [Self.quoted(text)] ? nil : "\(query): got string \(text), expected \(expected)"
        case .vector(let elements):
            var wanted: [(Labels, Double)] = []
            for line in expected {
                guard let (labels, values) = try? Self.parseSeriesLine(line), values.count == 1, let value = values[0] else {
                    return "bad expected line: \(line)"
                }
                wanted.append((labels, value))
            }
            guard wanted.count == elements.count else {
                return "\(query): expected \(wanted.count) element(s), got \(elements.count): \(Self.describe(result))"
            }
            for (position, (labels, value)) in wanted.enumerated() {
                let found = ordered ? (elements[position].labels == labels ? elements[position] : nil) : elements.first { $0.labels == labels }
                guard let found else { return "\(query): expected \(labels) \(value)\(ordered ? " at position \(position)" : ""), got \(Self.describe(result))" }
                if !Self.almostEqual(found.value, value) { return "\(query): \(labels) is \(found.value), expected \(value)" }
            }
            return nil
        case .matrix(let series):
            var wanted: [Labels: [Double?]] = [:]
            for line in expected {
                guard let (labels, values) = try? Self.parseSeriesLine(line) else { return "bad expected line: \(line)" }
                wanted[labels] = values
            }
            guard wanted.count == series.count else {
                return "\(query): expected \(wanted.count) series, got \(series.count): \(Self.describe(result))"
            }
            for one in series {
                guard let values = wanted[one.labels] else { return "\(query): unexpected series \(one.labels)" }
                if let grid {
                    let expectedPoints = values.enumerated().compactMap { offset, value in
                        value.map { (grid.startMs + Int64(offset) * grid.stepMs, $0) }
                    }
                    let matches = expectedPoints.count == one.samples.count
                        && zip(expectedPoints, one.samples).allSatisfy { $0.0 == $1.timestampMs && Self.almostEqual($1.value, $0.1) }
                    if !matches {
                        return "\(query): \(one.labels) is \(one.samples.map { "\($0.value)@\($0.timestampMs / 1000)s" }), expected \(expectedPoints.map { "\($0.1)@\($0.0 / 1000)s" })"
                    }
                    continue
                }
                let present = values.compactMap { $0 }
                guard present.count == one.samples.count,
                    zip(present, one.samples).allSatisfy({ Self.almostEqual($1.value, $0) })
                else {
                    return "\(query): \(one.labels) is \(one.samples.map(\.value)), expected \(present)"
                }
            }
            return nil
        }
    }

    static func describe(_ value: PromValue) -> String {
        switch value {
        case .scalar(_, let v): "scalar \(v)"
        case .string(_, let s): "string \(s)"
        case .vector(let elements): elements.map { "\($0.labels) \($0.value)" }.joined(separator: "; ")
        case .matrix(let series): series.map { "\($0.labels) \($0.samples.map(\.value))" }.joined(separator: "; ")
        }
    }

    /// Prometheus' test tolerance, tightened: equal, both NaN, or within 1e-9 relative.
    static func almostEqual(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN && b.isNaN { return true }
        if a == b { return true }
        let difference = abs(a - b)
        return difference <= 1e-9 * max(abs(a), abs(b)) || difference < 1e-300
    }

    static func quoted(_ text: String) -> String { "\"" + text + "\"" }

    // MARK: series lines

    /// `name{a="b"} 1 2+3x4 _ stale` → labels and one optional value per step (nil: no sample there).
    static func parseSeriesLine(_ line: String) throws -> (Labels, [Double?]) {
        let scalars = Array(line.unicodeScalars)
        var index = 0
        var name = ""
        while index < scalars.count, scalars[index] != "{", scalars[index] != " ", scalars[index] != "\t" {
            name.unicodeScalars.append(scalars[index])
            index += 1
        }
        var pairs: [Label] = name.isEmpty ? [] : [Label(Labels.metricName, name)]
        if index < scalars.count, scalars[index] == "{" {
            index += 1
            while true {
                while index < scalars.count, scalars[index] == " " || scalars[index] == "," { index += 1 }
                guard index < scalars.count else { throw ScriptError.malformed(line) }
                if scalars[index] == "}" {
                    index += 1
                    break
                }
                var label = ""
                while index < scalars.count, scalars[index] != "=" {
                    label.unicodeScalars.append(scalars[index])
                    index += 1
                }
                index += 1
                guard index < scalars.count, scalars[index] == "\"" else { throw ScriptError.malformed(line) }
                index += 1
                var value = ""
                while index < scalars.count, scalars[index] != "\"" {
                    if scalars[index] == "\\", index + 1 < scalars.count {
                        index += 1
                        value.unicodeScalars.append(scalars[index] == "n" ? "\n" : scalars[index])
                    } else {
                        value.unicodeScalars.append(scalars[index])
                    }
                    index += 1
                }
                index += 1
                pairs.append(Label(label.trimmingCharacters(in: .whitespaces), value))
            }
        }
        let rest = String(String.UnicodeScalarView(scalars[index...]))
        var values: [Double?] = []
        for word in rest.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            values.append(contentsOf: try expand(String(word)))
        }
        return (Labels(pairs), values)
    }

    /// `a+bxN` → a, a+b, …, a+N·b; `a-bxN`; `axN` → N+1 times a; `_` no sample; `_xN` N times no sample;
    /// `stale` a stale marker; `Inf`, `-Inf`, `NaN`.
    static func expand(_ word: String) throws -> [Double?] {
        if word == "_" { return [nil] }
        if word.hasPrefix("_x"), let times = Int(word.dropFirst(2)) { return Array(repeating: nil, count: times) }
        if word == "stale" { return [StaleMarker.value] }
        if let value = parseValue(word) { return [value] }
        guard let x = word.lastIndex(of: "x"), let times = Int(word[word.index(after: x)...]) else { throw ScriptError.malformed(word) }
        let head = String(word[..<x])
        // The sign that separates start and increment is the last + or - not at the start or after an `e`.
        var split: String.Index?
        var cursor = head.index(after: head.startIndex)
        while cursor < head.endIndex {
            let c = head[cursor]
            let previous = head[head.index(before: cursor)]
            if (c == "+" || c == "-") && previous != "e" && previous != "E" { split = cursor }
            cursor = head.index(after: cursor)
        }
        let start: Double
        var increment = 0.0
        if let split {
            guard let a = parseValue(String(head[..<split])), let b = parseValue(String(head[head.index(after: split)...])) else {
                throw ScriptError.malformed(word)
            }
            start = a
            increment = head[split] == "-" ? -b : b
        } else {
            guard let a = parseValue(head) else { throw ScriptError.malformed(word) }
            start = a
        }
        return (0...times).map { start + Double($0) * increment }
    }

    static func parseValue(_ word: String) -> Double? {
        switch word.lowercased() {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return .nan
        default:
            // Swift's Double(_:) reads "0x10" as hex; in series notation that is 0 repeated 11 times.
            guard !word.contains("x"), !word.contains("X") else { return nil }
            return Double(word)
        }
    }

    /// `50m`, `1h30m`, `0`, or plain seconds (`100`, `1.5`).
    static func parseTime(_ text: String) -> Int64? {
        if let ms = DurationSyntax.parse(text) { return ms }
        if let seconds = Double(text) { return Int64((seconds * 1000).rounded()) }
        return nil
    }

    enum ScriptError: Error { case malformed(String) }
}
