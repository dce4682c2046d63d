public import Foundation
internal import PerfwatchConfig
internal import PerfwatchModel

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

    /// Parses and validates a scenario file (through the one configuration reader, `ConfigNode`).
    ///
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - baseDirectory: where `payload.path` is resolved from (the file's directory).
    ///   - file: the file's name in error messages.
    /// - Throws: ``LoadError`` with code `.configuration`: `file:line: field: problem`.
    public static func parse(yaml: String, name: String = "load", baseDirectory: URL? = nil, file: String? = nil) throws(LoadError) -> LoadScenario {
        do throws(ConfigError) {
            let root = try ConfigNode.parseYAML(yaml, file: file)
            guard !root.isNull else { throw root.invalid("the scenario file is empty") }
            return try parse(root, yaml: yaml, name: name, baseDirectory: baseDirectory)
        } catch {
            throw LoadError(.configuration, error.description)
        }
    }

    private static func parse(_ root: ConfigNode, yaml: String, name: String, baseDirectory: URL?) throws(ConfigError) -> LoadScenario {
        try root.checkKeys(topKeys)
        guard let config = root["config"] else { throw root.missing("config").invalid("missing; it needs at least target and phases") }
        try config.checkKeys(configKeys)

        guard let targetNode = config["target"] else { throw config.missing("target").invalid("missing (e.g. http://localhost:8080)") }
        let target: LoadTarget
        let url = try targetNode.string()
        do throws(LoadError) { target = try LoadTarget(url: url, field: "") } catch { throw targetNode.invalid(error.message) }

        var scenario = LoadScenario(
            name: try config["name"]?.string() ?? name, sourceText: yaml, target: target,
            mode: try parseMode(config), flows: []
        )
        if case .closed(let concurrency, _) = scenario.mode { scenario.connections = concurrency }
        if let node = config["connections"] { scenario.connections = try node.int(min: 1) }
        if let node = config["queue"] { scenario.queueLimit = try node.int(min: 0) }
        if let node = config["timeout"] { scenario.requestTimeout = try node.duration(bareNumbers: .seconds) }
        if let node = config["connectTimeout"] { scenario.connectTimeout = try node.duration(bareNumbers: .seconds) }
        if let node = config["defaults"] {
            try node.checkKeys(["headers"])
            if let headers = node["headers"] { scenario.defaultHeaders = try parseHeaders(headers) }
        }
        if let node = config["variables"] {
            scenario.variables = try node.mapping().map { pair throws(ConfigError) in
                let values = pair.value.isSequence ? try pair.value.sequence().map { r throws(ConfigError) in try r.string() } : [try pair.value.string()]
                guard !values.isEmpty else { throw pair.value.invalid("needs at least one value") }
                return (name: pair.key, values: values)
            }
        }
        if let node = config["payload"] { scenario.payload = try parsePayload(node, baseDirectory: baseDirectory) }
        if let node = config["thresholds"] { scenario.thresholds = try parseThresholds(node) }

        guard let flowsNode = root["scenarios"] else { throw root.missing("scenarios").invalid("missing; add at least one scenario with a flow") }
        scenario.flows = try flowsNode.sequence().map { node throws(ConfigError) in try parseFlow(node) }
        guard !scenario.flows.isEmpty else { throw flowsNode.invalid("needs at least one scenario") }
        return scenario
    }

    private static func parseMode(_ config: ConfigNode) throws(ConfigError) -> LoadMode {
        let mode = try config["mode"]?.string() ?? "open"
        switch mode {
        case "open":
            guard let phasesNode = config["phases"] else {
                throw config.missing("phases").invalid("missing; e.g. phases: [{duration: 1m, arrivalRate: 50}]")
            }
            let phases = try phasesNode.sequence().enumerated().map { index, node throws(ConfigError) in
                try node.checkKeys(phaseKeys)
                guard let duration = node["duration"] else { throw node.invalid("missing duration") }
                guard let rate = node["arrivalRate"] else { throw node.invalid("missing arrivalRate") }
                return Phase(
                    name: try node["name"]?.string() ?? "phase \(index + 1)", duration: try duration.duration(bareNumbers: .seconds),
                    arrivalRate: try rate.rate(), rampTo: try node["rampTo"]?.rate()
                )
            }
            guard !phases.isEmpty else { throw phasesNode.invalid("needs at least one phase") }
            if let concurrency = config["concurrency"] { throw concurrency.invalid("only valid with mode: closed") }
            return .open(phases: phases)
        case "closed":
            guard let concurrency = config["concurrency"] else { throw config.missing("concurrency").invalid("missing (required with mode: closed)") }
            guard let duration = config["duration"] else { throw config.missing("duration").invalid("missing (required with mode: closed)") }
            if let phases = config["phases"] { throw phases.invalid("not used with mode: closed; use concurrency and duration") }
            return .closed(concurrency: try concurrency.int(min: 1), duration: try duration.duration(bareNumbers: .seconds))
        default:
            throw (config["mode"] ?? config).invalid("expected open or closed, got \"\(mode)\"")
        }
    }

    private static func parseHeaders(_ node: ConfigNode) throws(ConfigError) -> [(name: String, value: String)] {
        try node.mapping().map { pair throws(ConfigError) in (name: pair.key, value: try pair.value.string()) }
    }

    private static func parsePayload(_ node: ConfigNode, baseDirectory: URL?) throws(ConfigError) -> CSVPayload {
        try node.checkKeys(["path", "fields", "skipHeader"])
        guard let pathNode = node["path"] else { throw node.invalid("missing path") }
        guard let fieldsNode = node["fields"] else { throw node.invalid("missing fields (the column names)") }
        let path = try pathNode.string()
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : (baseDirectory ?? URL(fileURLWithPath: ".")).appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw pathNode.invalid("cannot read CSV file \(url.path)")
        }
        var rows = CSVPayload.parseRows(text)
        if try node["skipHeader"]?.string() == "true", !rows.isEmpty { rows.removeFirst() }
        let fields = try fieldsNode.sequence().map { item throws(ConfigError) in try item.string() }
        guard !rows.isEmpty else { throw pathNode.invalid("CSV file \(url.path) has no rows") }
        for (index, row) in rows.enumerated() where row.count < fields.count {
            throw pathNode.invalid("row \(index + 1) of \(url.path) has \(row.count) columns, fields lists \(fields.count)")
        }
        return CSVPayload(fields: fields, rows: rows)
    }

    private static func parseThresholds(_ node: ConfigNode) throws(ConfigError) -> [Threshold] {
        try node.checkKeys(Threshold.Metric.allCases.map(\.rawValue))
        var thresholds: [Threshold] = []
        for metric in Threshold.Metric.allCases {
            guard let limitNode = node[metric.rawValue] else { continue }
            if metric == .errorRate {
                let text = try limitNode.string().trimmingSpaces()
                let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
                guard let value, value >= 0 else { throw limitNode.invalid("expected a percentage like 1% or 0.01, got \"\(text)\"") }
                thresholds.append(Threshold(metric: metric, limit: value))
            } else {
                thresholds.append(Threshold(metric: metric, limit: Double(try limitNode.duration(bareNumbers: .seconds).nanoseconds) / 1000))
            }
        }
        return thresholds
    }

    private static func parseFlow(_ node: ConfigNode) throws(ConfigError) -> Flow {
        try node.checkKeys(flowKeys)
        guard let flowNode = node["flow"] else { throw node.invalid("missing flow (the list of steps)") }
        let steps = try flowNode.sequence().map { step throws(ConfigError) in try parseStep(step) }
        guard !steps.isEmpty else { throw flowNode.invalid("needs at least one step") }
        let name = try node["name"]?.string() ?? "scenario"
        return Flow(name: name, weight: try node["weight"]?.int(min: 1) ?? 1, steps: steps)
    }

    private static func parseStep(_ node: ConfigNode) throws(ConfigError) -> Step {
        try node.checkKeys(methods + ["think"])
        let pairs = try node.mapping()
        guard pairs.count == 1, let (kind, body) = pairs.first else {
            throw node.invalid("a step has exactly one of: \((methods + ["think"]).joined(separator: ", "))")
        }
        if kind == "think" { return .think(try body.duration(bareNumbers: .seconds)) }
        try body.checkKeys(requestKeys)
        guard let url = body["url"] else { throw body.invalid("missing url") }
        var request = RequestSpec(name: try body["name"]?.string(), method: kind.uppercased(), url: try url.string())
        if let headers = body["headers"] { request.headers = try parseHeaders(headers) }
        if let json = body["json"] {
            guard let data = try? JSONSerialization.data(withJSONObject: json.plainValue, options: [.sortedKeys, .fragmentsAllowed]) else {
                throw json.invalid("cannot be written as JSON")
            }
            request.body = String(decoding: data, as: UTF8.self)
            request.bodyIsJSON = true
        } else if let text = body["body"] {
            request.body = try text.string()
        }
        if let capture = body["capture"] {
            let list = capture.isSequence ? try capture.sequence() : [capture]
            request.captures = try list.map { item throws(ConfigError) in
                try item.checkKeys(["json", "as"])
                guard let path = item["json"], let name = item["as"] else { throw item.invalid("needs json: \"$.path\" and as: name") }
                let jsonPath = try path.string()
                guard JSONPath(jsonPath) != nil else { throw path.invalid("expected a path like $.data.items[0].id, got \"\(jsonPath)\"") }
                return Capture(jsonPath: jsonPath, variable: try name.string())
            }
        }
        if let expect = body["expect"] {
            try expect.checkKeys(["status"])
            if let status = expect["status"] {
                request.expectStatus = status.isSequence
                    ? try status.sequence().map { s throws(ConfigError) in try s.int(min: 100) } : [try status.int(min: 100)]
            }
        }
        return .request(request)
    }
}

extension ConfigNode {
    /// A rate in the load notation (`50`, `50/s`, `3000/m`), in requests per second.
    func rate() throws(ConfigError) -> Double {
        let text = try string()
        guard let value = LoadNotation.rate(text) else {
            throw invalid("expected a number like 50 or \"50/s\", got \"\(text)\"")
        }
        return value
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
