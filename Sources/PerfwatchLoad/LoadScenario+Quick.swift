internal import PerfwatchModel
/// Options of quick mode: one URL hammered at a fixed rate, no scenario file.
public struct QuickOptions: Sendable {
    public var url: String
    public var method: String = "GET"
    /// Open mode rate, e.g. `500/s`; ignored when `concurrency` is set.
    public var rate: String = "10/s"
    public var duration: String = "10s"
    /// Closed mode (soak): this many users back to back instead of a rate.
    public var concurrency: Int?
    public var connections: Int?
    public var headers: [String] = []
    public var body: String?
    public var timeout: String?

    public init(url: String) { self.url = url }
}

extension LoadScenario {
    /// Builds a one-request scenario from command-line flags; errors name the flag.
    public static func quick(_ options: QuickOptions) throws(LoadError) -> LoadScenario {
        let target = try LoadTarget(url: options.url, field: "--url")
        guard let duration = try? DurationText.parse(options.duration, bareNumbers: .seconds) else {
            throw .config("--duration", "expected a duration like 500ms, 1s or 2m, got \"\(options.duration)\"")
        }
        let mode: LoadMode
        if let concurrency = options.concurrency {
            guard concurrency > 0 else { throw .config("--concurrency", "expected a number ≥ 1, got \(concurrency)") }
            mode = .closed(concurrency: concurrency, duration: duration)
        } else {
            guard let rate = LoadNotation.rate(options.rate), rate > 0 else {
                throw .config("--rate", "expected a number like 50 or \"50/s\", got \"\(options.rate)\"")
            }
            mode = .open(phases: [Phase(name: "quick", duration: duration, arrivalRate: rate)])
        }
        let headers = try options.headers.map { header throws(LoadError) in
            guard let colon = header.firstIndex(of: ":") else { throw .config("--header", "expected \"Name: value\", got \"\(header)\"") }
            return (name: header[..<colon].trimmingSpaces(), value: header[header.index(after: colon)...].trimmingSpaces())
        }
        let method = options.method.uppercased()
        let request = RequestSpec(name: "\(method) \(target.basePath.isEmpty ? "/" : target.basePath)", method: method, url: options.url.trimmingSpaces(), body: options.body)
        let pace = options.concurrency.map { "\($0) users" } ?? options.rate
        var scenario = LoadScenario(
            name: "quick \(method) \(options.url)", sourceText: "quick: \(method) \(options.url) at \(pace) for \(options.duration)",
            target: target, mode: mode, defaultHeaders: headers, flows: [Flow(name: "quick", steps: [.request(request)])]
        )
        if let concurrency = options.concurrency { scenario.connections = concurrency }
        if let connections = options.connections {
            guard connections > 0 else { throw .config("--connections", "expected a number ≥ 1, got \(connections)") }
            scenario.connections = connections
        }
        if let timeout = options.timeout {
            guard let value = try? DurationText.parse(timeout, bareNumbers: .seconds) else { throw .config("--timeout", "expected a duration like 500ms, 1s or 2m, got \"\(timeout)\"") }
            scenario.requestTimeout = value
        }
        return scenario
    }
}
