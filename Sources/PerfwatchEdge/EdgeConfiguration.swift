import Foundation
public import PerfwatchEdgePolicy

/// Everything `perfwatch edge` runs with: from `--config edge.yml` (`EdgeConfiguration+Parsing`),
/// then the command's flags. Documented in docs/edge.md.
public struct EdgeConfiguration: Sendable {
    /// The policy's algorithms: a file's `balancing:` and a published policy's mean the same.
    public typealias Balancing = EdgePolicy.Balancing

    /// Active health checks: `GET path` on every upstream each `interval`.
    public struct Health: Sendable, Equatable {
        public var path: String = "/healthz"
        public var interval: Duration = .seconds(5)
        public var timeout: Duration = .seconds(2)
        /// Consecutive passed checks that make an unhealthy upstream healthy again.
        public var healthyAfter = 2
        /// Consecutive failed checks that take an upstream out of rotation.
        public var unhealthyAfter = 3
        public init() {}
    }

    public struct Limits: Sendable, Equatable {
        /// Request line plus headers; beyond it 431.
        public var headerBytes = 32 * 1024
        /// Request body; beyond it 413 and the connection is closed.
        public var bodyBytes = 16 * 1024 * 1024
        /// The response cache's memory.
        public var cacheMaxBytes = 64 * 1024 * 1024
        /// The most one response may be buffered for caching or compression; larger ones stream untouched.
        public var bufferMaxBytes = 8 * 1024 * 1024
        /// Image transcodes at once (one core each), and how many more may wait; past both the original is sent.
        public var imageJobs = ProcessInfo.processInfo.activeProcessorCount
        public var imageQueue = 32
        public init() {}
    }

    public struct Timeouts: Sendable, Equatable {
        public var connect: Duration = .seconds(2)
        /// From sending the request to the upstream's response head; beyond it 504.
        public var firstByte: Duration = .seconds(30)
        /// Between two reads of an upstream's body.
        public var idle: Duration = .seconds(60)
        public init() {}
    }

    public var listenHost = "127.0.0.1"
    public var listenPort = 8080
    /// The Perfwatch server (`http://host:port`) that receives telemetry and publishes policies; nil = none.
    public var server: String?
    public var upstreams: [String] = []
    public var balancing: Balancing = .roundRobin
    /// This edge's instance name (`service.instance.id`); nil = `host:port` it listens on.
    public var name: String?
    public var service = "edge"
    public var apiKey: String?
    /// Active health checks; nil = only passive ejection.
    public var health: Health?
    public var limits = Limits()
    public var timeouts = Timeouts()
    /// The purge and status API (`POST /purge?prefix=`, `GET /status`); nil = none.
    public var adminListen: (host: String, port: Int)?
    /// The file's local policy keys (`routes`, `compression`, `weights`); the server's policy extends it.
    public var localPolicy = EdgePolicy()
    /// The byte-level fast path for plain GET/HEAD pass-through (`FastPathHandler`); off, every request
    /// takes the full HTTP pipeline. Not a file key: the tests and `perfwatch edge --no-fast-path`
    /// compare the two paths with it.
    public var fastPath = true

    public init() {}

    public var instanceName: String { name ?? "\(listenHost):\(listenPort)" }
}
