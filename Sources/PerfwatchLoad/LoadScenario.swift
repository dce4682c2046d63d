/// A parsed, validated load test: where to send traffic, at which rate, and what each
/// virtual user does. Built from a YAML file (``LoadScenario/parse(yaml:name:baseDirectory:file:)``)
/// or from quick-mode flags (``LoadScenario/quick(_:)``).
public struct LoadScenario: Sendable {
    /// Run name shown in reports and on the server.
    public var name: String
    /// The YAML text, or a one-line description in quick mode; stored with the report.
    public var sourceText: String
    public var target: LoadTarget
    public var mode: LoadMode
    /// Cap on open HTTP/1.1 keep-alive connections.
    public var connections: Int
    /// How many iterations may wait for a free connection before new arrivals are dropped.
    public var queueLimit: Int
    public var connectTimeout: Duration
    public var requestTimeout: Duration
    /// Headers sent with every request unless a step overrides them.
    public var defaultHeaders: [(name: String, value: String)]
    /// `{{ name }}` values; a list is used round-robin, one entry per iteration.
    public var variables: [(name: String, values: [String])]
    public var payload: CSVPayload?
    public var thresholds: [Threshold]
    public var flows: [Flow]

    public init(
        name: String, sourceText: String, target: LoadTarget, mode: LoadMode,
        connections: Int = 64, queueLimit: Int = 10_000,
        connectTimeout: Duration = .seconds(2), requestTimeout: Duration = .seconds(10),
        defaultHeaders: [(name: String, value: String)] = [], variables: [(name: String, values: [String])] = [],
        payload: CSVPayload? = nil, thresholds: [Threshold] = [], flows: [Flow]
    ) {
        self.name = name
        self.sourceText = sourceText
        self.target = target
        self.mode = mode
        self.connections = connections
        self.queueLimit = queueLimit
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.defaultHeaders = defaultHeaders
        self.variables = variables
        self.payload = payload
        self.thresholds = thresholds
        self.flows = flows
    }

    /// Planned length of the run (without the drain of in-flight requests).
    public var duration: Duration {
        switch mode {
        case .open(let phases): phases.reduce(Duration.zero) { $0 + $1.duration }
        case .closed(_, let duration): duration
        }
    }
}

/// How iterations are started.
public enum LoadMode: Sendable {
    /// Iterations start on the arrival schedule whether or not earlier ones finished
    /// (the only model that shows what users see when the server slows down).
    case open(phases: [Phase])
    /// A fixed number of virtual users loop back to back; for soak tests. Latency in this
    /// mode is subject to coordinated omission by design: a slow server slows the users.
    case closed(concurrency: Int, duration: Duration)
}

/// One stretch of the arrival schedule; the rate moves linearly from `arrivalRate` to `rampTo`.
public struct Phase: Sendable, Equatable {
    public var name: String
    public var duration: Duration
    /// Iterations started per second at the beginning of the phase.
    public var arrivalRate: Double
    /// Rate at the end of the phase; `nil` keeps `arrivalRate`.
    public var rampTo: Double?

    public init(name: String, duration: Duration, arrivalRate: Double, rampTo: Double? = nil) {
        self.name = name
        self.duration = duration
        self.arrivalRate = arrivalRate
        self.rampTo = rampTo
    }
}

/// A weighted sequence of steps run by one iteration.
public struct Flow: Sendable {
    public var name: String
    public var weight: Int
    public var steps: [Step]

    public init(name: String, weight: Int = 1, steps: [Step]) {
        self.name = name
        self.weight = weight
        self.steps = steps
    }
}

/// One step of a flow.
public enum Step: Sendable {
    case request(RequestSpec)
    /// Pause, as a user reading a page would.
    case think(Duration)
}

/// An HTTP request with `{{ var }}` placeholders still in place.
public struct RequestSpec: Sendable {
    /// Name used in tables and reports; defaults to `METHOD url`.
    public var name: String
    public var method: String
    /// A path (`/items/{{ id }}`) resolved against the target, or an absolute URL on the target's host.
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: String?
    /// The body came from `json:`, so substituted values are JSON-escaped.
    public var bodyIsJSON: Bool
    public var captures: [Capture]
    /// Accepted status codes; empty means "any status below 400".
    public var expectStatus: [Int]

    public init(
        name: String? = nil, method: String, url: String, headers: [(name: String, value: String)] = [],
        body: String? = nil, bodyIsJSON: Bool = false, captures: [Capture] = [], expectStatus: [Int] = []
    ) {
        self.name = name ?? "\(method) \(url)"
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.bodyIsJSON = bodyIsJSON
        self.captures = captures
        self.expectStatus = expectStatus
    }
}

/// Stores a value from a JSON response under a variable name for later steps.
public struct Capture: Sendable, Equatable {
    /// JSONPath subset: `$.a.b[0].c`.
    public var jsonPath: String
    public var variable: String

    public init(jsonPath: String, variable: String) {
        self.jsonPath = jsonPath
        self.variable = variable
    }
}

/// Rows of a CSV file whose columns become variables, one row per iteration, round-robin.
public struct CSVPayload: Sendable {
    public var fields: [String]
    public var rows: [[String]]

    public init(fields: [String], rows: [[String]]) {
        self.fields = fields
        self.rows = rows
    }
}

/// `http://host:port/base` the requests go to. Only plain HTTP/1.1 is supported.
public struct LoadTarget: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Prefix joined to relative step URLs, without a trailing slash.
    public var basePath: String

    /// Parses `http://host[:port][/base]`; `field` names the option in the error.
    public init(url: String, field: String) throws(LoadError) {
        var rest = Substring(url.trimmingSpaces())
        if rest.hasPrefix("https://") {
            throw .config(field, "https targets are not supported yet (got \"\(url)\"); use http://")
        }
        guard rest.hasPrefix("http://") else {
            throw .config(field, "expected an http:// URL like http://localhost:8080, got \"\(url)\"")
        }
        rest = rest.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        var host = String(authority)
        var port = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw .config(field, "invalid port in \"\(url)\"")
            }
            port = parsed
            host = String(authority[..<colon])
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .config(field, "missing host in \"\(url)\"") }
        self.host = host
        self.port = port
        self.basePath = path
    }

    /// Value for the `Host` header.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    public var description: String { "http://\(hostHeader)\(basePath)" }
}

/// A pass/fail limit on the run's overall results; any failure gives exit code 1.
public struct Threshold: Sendable, Equatable {
    public enum Metric: String, Sendable, CaseIterable {
        case p50, p90, p95, p99, max, mean
        case errorRate = "error_rate"
    }

    public var metric: Metric
    /// Microseconds for latency metrics, a fraction (0.01 = 1%) for `error_rate`.
    public var limit: Double

    public init(metric: Metric, limit: Double) {
        self.metric = metric
        self.limit = limit
    }
}
