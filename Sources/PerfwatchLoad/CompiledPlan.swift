internal import NIOCore

/// A scenario turned into what the event loops execute: templates pre-split, constant
/// requests pre-built, request names mapped to statistics slots. Immutable and shared.
struct CompiledPlan: Sendable {
    var flows: [CompiledFlow]
    /// Flow index per weight unit, so arrival k runs `flows[weightTable[k % count]]`.
    var weightTable: [Int]
    var requestNames: [String]
    var variables: [(name: String, values: [String])]
    var payload: CSVPayload?
    var usesVariables: Bool

    init(_ scenario: LoadScenario) throws(LoadError) {
        var names: [String] = []
        var flows: [CompiledFlow] = []
        let predefined = Set(scenario.variables.map(\.name) + (scenario.payload?.fields ?? []))
        var usesVariables = false
        for (flowIndex, flow) in scenario.flows.enumerated() {
            var known = predefined
            var steps: [CompiledStep] = []
            for (stepIndex, step) in flow.steps.enumerated() {
                switch step {
                case .think(let duration):
                    steps.append(.think(UInt64(duration.nanoseconds)))
                case .request(let spec):
                    let statsIndex = names.firstIndex(of: spec.name) ?? { names.append(spec.name); return names.count - 1 }()
                    let request = CompiledRequest(spec: spec, scenario: scenario, statsIndex: statsIndex)
                    let unknown = request.variableNames.filter { !known.contains($0) }
                    if let first = unknown.first {
                        let defined = known.sorted().joined(separator: ", ")
                        throw .config(
                            "scenarios[\(flowIndex)].flow[\(stepIndex)]",
                            "unknown variable \"\(first)\" in \(spec.name); defined here: \(defined.isEmpty ? "none" : defined)")
                    }
                    usesVariables = usesVariables || !request.variableNames.isEmpty || !spec.captures.isEmpty
                    known.formUnion(spec.captures.map(\.variable))
                    steps.append(.request(request))
                }
            }
            flows.append(CompiledFlow(name: flow.name, steps: steps))
        }
        self.flows = flows
        self.weightTable = scenario.flows.enumerated().flatMap { Array(repeating: $0.offset, count: $0.element.weight) }
        self.requestNames = names
        self.variables = scenario.variables
        self.payload = scenario.payload
        self.usesVariables = usesVariables
    }

    func flow(forIteration number: Int) -> CompiledFlow {
        flows[weightTable[number % weightTable.count]]
    }

    /// Variables at the start of iteration `number`: list values and CSV rows round-robin.
    func variables(forIteration number: Int) -> [String: String] {
        guard usesVariables else { return [:] }
        var values: [String: String] = [:]
        for variable in variables { values[variable.name] = variable.values[number % variable.values.count] }
        if let payload {
            let row = payload.rows[number % payload.rows.count]
            for (index, field) in payload.fields.enumerated() { values[field] = row[index] }
        }
        return values
    }
}

/// A class for the same reason as ``CompiledRequest``: every iteration holds one.
final class CompiledFlow: Sendable {
    let name: String
    let steps: [CompiledStep]

    init(name: String, steps: [CompiledStep]) {
        self.name = name
        self.steps = steps
    }
}

enum CompiledStep: Sendable {
    case request(CompiledRequest)
    case think(UInt64)
}

/// One request ready to be rendered: constant requests are encoded to bytes once.
///
/// A class: it is referenced from every iteration's hot path, where copying a struct of
/// this size cost measurable retain/release traffic.
final class CompiledRequest: Sendable {
    let statsIndex: Int
    let method: String
    let uri: Template
    let headers: [(name: String, value: Template)]
    let body: Template?
    let bodyIsJSON: Bool
    let captures: [(path: JSONPath, variable: String)]
    let expectStatus: [Int]
    let basePath: String
    /// `http://host:port`, stripped from absolute step URLs on the target.
    let origin: String
    /// The encoded request when nothing in it has a placeholder.
    let constant: ByteBuffer?
    let isHead: Bool

    init(spec: RequestSpec, scenario: LoadScenario, statsIndex: Int) {
        self.statsIndex = statsIndex
        method = spec.method
        isHead = spec.method == "HEAD"
        uri = Template(spec.url)
        var merged: [(name: String, value: String)] = [("Host", scenario.target.hostHeader)]
        for header in scenario.defaultHeaders + spec.headers {
            merged.removeAll { $0.name.lowercased() == header.name.lowercased() }
            merged.append(header)
        }
        if spec.bodyIsJSON && !merged.contains(where: { $0.name.lowercased() == "content-type" }) {
            merged.append(("Content-Type", "application/json"))
        }
        headers = merged.map { (name: $0.name, value: Template($0.value)) }
        body = spec.body.map(Template.init)
        bodyIsJSON = spec.bodyIsJSON
        captures = spec.captures.compactMap { capture in JSONPath(capture.jsonPath).map { ($0, capture.variable) } }
        expectStatus = spec.expectStatus
        basePath = scenario.target.basePath
        origin = "http://" + scenario.target.hostHeader
        let hasPlaceholders = !(uri.variableNames + headers.flatMap(\.value.variableNames) + (body?.variableNames ?? [])).isEmpty
        constant = hasPlaceholders ? nil : Self.encode(
            [:], method: method, uri: uri, headers: headers, body: body, bodyIsJSON: bodyIsJSON, basePath: basePath, origin: origin)
    }

    var variableNames: [String] {
        uri.variableNames + headers.flatMap(\.value.variableNames) + (body?.variableNames ?? [])
    }

    var needsBody: Bool { !captures.isEmpty }

    /// The request bytes for these variables.
    func render(_ variables: [String: String]) -> ByteBuffer {
        constant ?? Self.encode(
            variables, method: method, uri: uri, headers: headers, body: body, bodyIsJSON: bodyIsJSON, basePath: basePath, origin: origin)
    }

    private static func encode(
        _ variables: [String: String], method: String, uri: Template, headers: [(name: String, value: Template)],
        body: Template?, bodyIsJSON: Bool, basePath: String, origin: String
    ) -> ByteBuffer {
        var path = uri.render(variables)
        if path.hasPrefix(origin) {
            path.removeFirst(origin.count)
        } else if !path.hasPrefix("http://") {
            // Relative step URLs hang off the target's path. Absolute URLs on other hosts are
            // sent as-is (absolute-form) over the target's connections; only one origin is pooled.
            path = basePath + (path.hasPrefix("/") || path.isEmpty ? "" : "/") + path
        }
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        let bodyText = body.map { template in
            template.render(variables, escape: bodyIsJSON ? { Template.jsonEscape($0) } : nil)
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(256 + (bodyText?.utf8.count ?? 0))
        buffer.writeString("\(method) \(path) HTTP/1.1\r\n")
        for header in headers { buffer.writeString("\(header.name): \(header.value.render(variables))\r\n") }
        if bodyText != nil || method == "POST" || method == "PUT" || method == "PATCH" {
            buffer.writeString("Content-Length: \(bodyText?.utf8.count ?? 0)\r\n")
        }
        buffer.writeString("\r\n")
        if let bodyText { buffer.writeString(bodyText) }
        return buffer
    }
}
