public import Foundation
internal import Yams

extension LoadScenario {
    static let topKeys = ["config", "scenarios"]
    static let configKeys = [
        "name", "target", "mode", "phases", "concurrency", "duration", "connections", "queue",
        "timeout", "connectTimeout", "defaults", "variables", "payload", "thresholds",
    ]
    static let phaseKeys = ["name", "duration", "arrivalRate", "rampTo"]
    static let flowKeys = ["name", "weight", "flow"]
    static let methods = ["get", "post", "put", "patch", "delete", "head"]
    static let requestKeys = ["name", "url", "json", "body", "headers", "capture", "expect"]

    /// Parses and validates a scenario file.
    ///
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - baseDirectory: where `payload.path` is resolved from (the file's directory).
    /// - Throws: ``LoadError`` with code `.configuration` naming the field, line and column.
    public static func parse(yaml: String, name: String = "load", baseDirectory: URL? = nil) throws(LoadError) -> LoadScenario {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else { throw LoadError.config("", "the scenario file is empty") }
            root = composed
        } catch let error as YamlError {
            throw describe(error)
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError.config("", "invalid YAML: \(error)")
        }
        let top = try YAMLReader(root, path: "").mapping(allowed: topKeys)
        guard let configNode = top["config"] else { throw LoadError.config("config", "missing; it needs at least target and phases") }
        let config = try configNode.mapping(allowed: configKeys)

        guard let targetNode = config["target"] else { throw LoadError.config("config.target", "missing (e.g. http://localhost:8080)") }
        let target = try LoadTarget(url: try targetNode.string(), field: "config.target")

        var scenario = LoadScenario(
            name: try config["name"]?.string() ?? name, sourceText: yaml, target: target,
            mode: try parseMode(config), flows: []
        )
        if case .closed(let concurrency, _) = scenario.mode { scenario.connections = concurrency }
        if let node = config["connections"] { scenario.connections = try node.int(min: 1) }
        if let node = config["queue"] { scenario.queueLimit = try node.int(min: 0) }
        if let node = config["timeout"] { scenario.requestTimeout = try node.duration() }
        if let node = config["connectTimeout"] { scenario.connectTimeout = try node.duration() }
        if let node = config["defaults"] {
            let defaults = try node.mapping(allowed: ["headers"])
            if let headers = defaults["headers"] { scenario.defaultHeaders = try parseHeaders(headers) }
        }
        if let node = config["variables"] {
            scenario.variables = try node.pairs().map { pair throws(LoadError) in
                let values = pair.value.isSequence ? try pair.value.sequence().map { r throws(LoadError) in try r.string() } : [try pair.value.string()]
                guard !values.isEmpty else { throw pair.value.fail("needs at least one value") }
                return (name: pair.key, values: values)
            }
        }
        if let node = config["payload"] { scenario.payload = try parsePayload(node, baseDirectory: baseDirectory) }
        if let node = config["thresholds"] { scenario.thresholds = try parseThresholds(node) }

        guard let flowsNode = top["scenarios"] else { throw LoadError.config("scenarios", "missing; add at least one scenario with a flow") }
        scenario.flows = try flowsNode.sequence().map { reader throws(LoadError) in try parseFlow(reader) }
        guard !scenario.flows.isEmpty else { throw flowsNode.fail("needs at least one scenario") }
        return scenario
    }

    private static func describe(_ error: YamlError) -> LoadError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return LoadError(.configuration, "invalid YAML at line \(mark.line), column \(mark.column): \(problem)")
        default:
            return LoadError(.configuration, "invalid YAML: \(error)")
        }
    }

    private static func parseMode(_ config: [String: YAMLReader]) throws(LoadError) -> LoadMode {
        let mode = try config["mode"]?.string() ?? "open"
        switch mode {
        case "open":
            guard let phasesNode = config["phases"] else {
                throw LoadError.config("config.phases", "missing; e.g. phases: [{duration: 1m, arrivalRate: 50}]")
            }
            let phases = try phasesNode.sequence().enumerated().map { index, reader throws(LoadError) in
                let keys = try reader.mapping(allowed: phaseKeys)
                guard let duration = keys["duration"] else { throw reader.fail("missing duration") }
                guard let rate = keys["arrivalRate"] else { throw reader.fail("missing arrivalRate") }
                return Phase(
                    name: try keys["name"]?.string() ?? "phase \(index + 1)", duration: try duration.duration(),
                    arrivalRate: try rate.rate(), rampTo: try keys["rampTo"]?.rate()
                )
            }
            guard !phases.isEmpty else { throw phasesNode.fail("needs at least one phase") }
            for key in ["concurrency"] where config[key] != nil {
                throw LoadError.config("config.\(key)", "only valid with mode: closed")
            }
            return .open(phases: phases)
        case "closed":
            guard let concurrency = config["concurrency"] else { throw LoadError.config("config.concurrency", "missing (required with mode: closed)") }
            guard let duration = config["duration"] else { throw LoadError.config("config.duration", "missing (required with mode: closed)") }
            if config["phases"] != nil { throw LoadError.config("config.phases", "not used with mode: closed; use concurrency and duration") }
            return .closed(concurrency: try concurrency.int(min: 1), duration: try duration.duration())
        default:
            throw LoadError.config("config.mode", "expected open or closed, got \"\(mode)\"")
        }
    }

    private static func parseHeaders(_ reader: YAMLReader) throws(LoadError) -> [(name: String, value: String)] {
        try reader.pairs().map { pair throws(LoadError) in (name: pair.key, value: try pair.value.string()) }
    }

    private static func parsePayload(_ reader: YAMLReader, baseDirectory: URL?) throws(LoadError) -> CSVPayload {
        let keys = try reader.mapping(allowed: ["path", "fields", "skipHeader"])
        guard let pathNode = keys["path"] else { throw reader.fail("missing path") }
        guard let fieldsNode = keys["fields"] else { throw reader.fail("missing fields (the column names)") }
        let path = try pathNode.string()
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : (baseDirectory ?? URL(fileURLWithPath: ".")).appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw LoadError.config(pathNode.path, "cannot read CSV file \(url.path)")
        }
        var rows = CSVPayload.parseRows(text)
        if try keys["skipHeader"]?.string() == "true", !rows.isEmpty { rows.removeFirst() }
        let fields = try fieldsNode.sequence().map { r throws(LoadError) in try r.string() }
        guard !rows.isEmpty else { throw LoadError.config(pathNode.path, "CSV file \(url.path) has no rows") }
        for (index, row) in rows.enumerated() where row.count < fields.count {
            throw LoadError.config(pathNode.path, "row \(index + 1) of \(url.path) has \(row.count) columns, fields lists \(fields.count)")
        }
        return CSVPayload(fields: fields, rows: rows)
    }

    private static func parseThresholds(_ reader: YAMLReader) throws(LoadError) -> [Threshold] {
        let keys = try reader.mapping(allowed: Threshold.Metric.allCases.map(\.rawValue))
        var thresholds: [Threshold] = []
        for metric in Threshold.Metric.allCases {
            guard let node = keys[metric.rawValue] else { continue }
            if metric == .errorRate {
                let text = try node.string().trimmingSpaces()
                let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
                guard let value, value >= 0 else { throw LoadError.config(node.path, "expected a percentage like 1% or 0.01, got \"\(text)\"") }
                thresholds.append(Threshold(metric: metric, limit: value))
            } else {
                thresholds.append(Threshold(metric: metric, limit: Double(try node.duration().nanoseconds) / 1000))
            }
        }
        return thresholds
    }

    private static func parseFlow(_ reader: YAMLReader) throws(LoadError) -> Flow {
        let keys = try reader.mapping(allowed: flowKeys)
        guard let flowNode = keys["flow"] else { throw reader.fail("missing flow (the list of steps)") }
        let steps = try flowNode.sequence().map { step throws(LoadError) in try parseStep(step) }
        guard !steps.isEmpty else { throw flowNode.fail("needs at least one step") }
        let name = try keys["name"]?.string() ?? "scenario"
        return Flow(name: name, weight: try keys["weight"]?.int(min: 1) ?? 1, steps: steps)
    }

    private static func parseStep(_ reader: YAMLReader) throws(LoadError) -> Step {
        let keys = try reader.mapping(allowed: methods + ["think"])
        guard keys.count == 1, let (kind, body) = keys.first else {
            throw reader.fail("a step has exactly one of: \((methods + ["think"]).joined(separator: ", "))")
        }
        if kind == "think" { return .think(try body.duration()) }
        let fields = try body.mapping(allowed: requestKeys)
        guard let url = fields["url"] else { throw body.fail("missing url") }
        var request = RequestSpec(name: try fields["name"]?.string(), method: kind.uppercased(), url: try url.string())
        if let headers = fields["headers"] { request.headers = try parseHeaders(headers) }
        if let json = fields["json"] {
            guard let data = try? JSONSerialization.data(withJSONObject: json.any, options: [.sortedKeys, .fragmentsAllowed]) else {
                throw json.fail("cannot be written as JSON")
            }
            request.body = String(decoding: data, as: UTF8.self)
            request.bodyIsJSON = true
        } else if let body = fields["body"] {
            request.body = try body.string()
        }
        if let capture = fields["capture"] {
            let list = capture.isSequence ? try capture.sequence() : [capture]
            request.captures = try list.map { item throws(LoadError) in
                let spec = try item.mapping(allowed: ["json", "as"])
                guard let path = spec["json"], let name = spec["as"] else { throw item.fail("needs json: \"$.path\" and as: name") }
                let jsonPath = try path.string()
                guard JSONPath(jsonPath) != nil else { throw path.fail("expected a path like $.data.items[0].id, got \"\(jsonPath)\"") }
                return Capture(jsonPath: jsonPath, variable: try name.string())
            }
        }
        if let expect = fields["expect"] {
            let spec = try expect.mapping(allowed: ["status"])
            if let status = spec["status"] {
                request.expectStatus = status.isSequence
                    ? try status.sequence().map { s throws(LoadError) in try s.int(min: 100) } : [try status.int(min: 100)]
            }
        }
        return .request(request)
    }
}

extension CSVPayload {
    /// Splits CSV text into rows; handles quoted fields with commas and doubled quotes.
    static func parseRows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.trimmingSpaces().isEmpty {
            var fields: [String] = []
            var current = ""
            var quoted = false
            var iterator = line.makeIterator()
            while let char = iterator.next() {
                if quoted {
                    if char == "\"" {
                        if let next = iterator.next() {
                            if next == "\"" { current.append("\"") } else {
                                quoted = false
                                if next == "," { fields.append(current); current = "" } else { current.append(next) }
                            }
                        } else { quoted = false }
                    } else { current.append(char) }
                } else if char == "\"" && current.isEmpty {
                    quoted = true
                } else if char == "," {
                    fields.append(current)
                    current = ""
                } else {
                    current.append(char)
                }
            }
            fields.append(current)
            rows.append(fields.map { $0.trimmingSpaces() })
        }
        return rows
    }
}
