import PerfwatchConfig
import PerfwatchEdge
import PerfwatchEdgePolicy
import Testing

@Suite("edge configuration")
struct ProxyConfigurationTests {
    static func parse(_ yaml: String) throws(ConfigError) -> EdgeConfiguration {
        try EdgeConfiguration.parse(ConfigNode.parseYAML(yaml, file: "edge.yml"))
    }

    @Test("--balancing overrides the file's balancing: the file's value is the configured one, not a local policy")
    func balancingFlagOverridesTheFile() throws {
        var configuration = try Self.parse("upstreams: [\"http://127.0.0.1:3000\"]\nbalancing: p2c_ewma")
        #expect(configuration.balancing == .p2cEWMA)
        configuration.balancing = .roundRobin  // what `perfwatch edge --balancing round_robin` sets
        let pool = UpstreamPool(urls: configuration.upstreams, algorithm: configuration.balancing)
        _ = PolicyState(local: configuration.localPolicy, upstreams: configuration.upstreams, balancing: configuration.balancing, pool: pool)
        #expect(pool.algorithm == .roundRobin)
    }

    @Test("a full file")
    func fullFile() throws {
        let configuration = try Self.parse(
            """
            listen: 0.0.0.0:9090
            server: http://127.0.0.1:4318/
            upstreams: ["http://127.0.0.1:3000", "http://127.0.0.1:3001"]
            balancing: p2c_ewma
            name: edge-1
            service: shop-edge
            api_key: k
            health: {path: /up, interval: 2s, timeout: 500ms, healthy_after: 1, unhealthy_after: 4}
            limits: {header_bytes: 8192, body_bytes: 1000, cache_max_bytes: 0, buffer_max_bytes: 4096, image_jobs: 3, image_queue: 0}
            timeouts: {connect: 1s, first_byte: 5s, idle: 30s}
            admin_listen: 127.0.0.1:9091
            weights: {"http://127.0.0.1:3001": 0}
            images: [{match: "/img/*", formats: [avif, webp], widths: [320, 640, 1280]}]
            """)
        #expect(configuration.listenHost == "0.0.0.0" && configuration.listenPort == 9090)
        #expect(configuration.server == "http://127.0.0.1:4318")
        #expect(configuration.upstreams == ["http://127.0.0.1:3000", "http://127.0.0.1:3001"])
        #expect(configuration.balancing == .p2cEWMA)
        #expect(configuration.instanceName == "edge-1" && configuration.service == "shop-edge" && configuration.apiKey == "k")
        #expect(configuration.health?.path == "/up" && configuration.health?.interval == .seconds(2))
        #expect(configuration.health?.healthyAfter == 1 && configuration.health?.unhealthyAfter == 4)
        #expect(configuration.limits.headerBytes == 8192 && configuration.limits.bodyBytes == 1000)
        #expect(configuration.timeouts.firstByte == .seconds(5) && configuration.timeouts.idle == .seconds(30))
        #expect(configuration.adminListen?.port == 9091)
        #expect(configuration.localPolicy.weights == ["http://127.0.0.1:3001": 0])
        #expect(configuration.localPolicy.images == [ImageRule(match: "/img/*", formats: ["avif", "webp"], widths: [320, 640, 1280])])
        #expect(configuration.limits.imageJobs == 3 && configuration.limits.imageQueue == 0)
        try configuration.validate()
    }

    @Test("defaults: instance name is the listen address; no upstream is an error naming the key")
    func defaults() throws {
        let configuration = try Self.parse("")
        #expect(configuration.instanceName == "127.0.0.1:8080")
        #expect(configuration.balancing == .roundRobin)
        #expect(throws: ConfigError.self) { try configuration.validate() }
    }

    @Test(
        "errors name file, line and field",
        arguments: [
            ("upstreams: [http://a:1]\nbalancng: p2c_ewma\n", "edge.yml:2: balancng: unknown key \"balancng\""),
            ("upstreams: [http://a:1]\nbalancing: fastest\n", "edge.yml:2: balancing: expected one of round_robin, least_requests, p2c_ewma"),
            ("upstreams:\n  - http://a:1\n  - ftp://b\n", "edge.yml:3: upstreams[1]: expected an http:// URL"),
            ("upstreams: [http://a:1/app]\n", "edge.yml:1: upstreams[0]: expected an http:// URL"),
            ("listen: nowhere\n", "edge.yml:1: listen: expected host:port"),
            ("timeouts:\n  first_byte: 10\n", "edge.yml:2: timeouts.first_byte:"),
            ("timeouts:\n  connect: 0s\n", "edge.yml:2: timeouts.connect: expected a duration above 0"),
            ("limits:\n  header_bytes: 10\n", "edge.yml:2: limits.header_bytes: expected a whole number ≥ 1024"),
            ("health:\n  path: up\n", "edge.yml:2: health.path: expected a path starting with /"),
        ])
    func errors(yaml: String, expected: String) {
        do {
            _ = try Self.parse(yaml)
            Issue.record("no error for \(yaml)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }

    @Test("weights must name configured upstreams")
    func weightsOfUnknownUpstream() throws {
        let configuration = try Self.parse("upstreams: [\"http://a:1\"]\nweights: {\"http://b:2\": 0}\n")
        #expect(throws: ConfigError.self) { try configuration.validate() }
    }

    @Test("base URLs: a trailing slash is dropped; paths, https and bare hosts are refused")
    func baseURLs() {
        #expect(EdgeConfiguration.normalizedBaseURL("http://127.0.0.1:3000/") == "http://127.0.0.1:3000")
        #expect(EdgeConfiguration.normalizedBaseURL("http://app.internal") == "http://app.internal")
        #expect(EdgeConfiguration.normalizedBaseURL("http://a:1/x") == nil)
        #expect(EdgeConfiguration.normalizedBaseURL("https://a:1") == nil)
        #expect(EdgeConfiguration.normalizedBaseURL("127.0.0.1:3000") == nil)
    }
}
