internal import AsyncHTTPClient
internal import NIOCore
internal import NIOHTTP1
public import NIOSSL
internal import Synchronization

/// The process's one outbound HTTP client (async-http-client): alert webhooks and Slack,
/// `perfwatch load --server`, and the CLI commands that talk to a server. The load generator
/// keeps its own NIO client (`PerfwatchLoad/HTTPConnection.swift` says why) and SMTP its own.
///
/// One `HTTPClient` per process, made on first use on NIO's shared event loops, so connections
/// to a host are pooled and no caller makes a thread pool of its own; `shutdown()` closes it
/// (`perfwatch`'s `main` calls it at exit).
///
/// Timeouts: connecting (TCP and TLS handshake) 10 s, at most 60 s between two reads, and each
/// request's own `timeout` over the whole exchange. A failed connection is reported at once
/// instead of being retried inside the client: alert delivery has its own retries with
/// backoff and a delivery log. Redirects are not followed (a webhook answering 3xx is a
/// failure to see, not a POST to replay elsewhere). TLS verifies certificates against the
/// system trust store unless a request brings its own ``TLSConfiguration`` (a private CA).
public enum OutboundHTTP {
    static let connectTimeout: TimeAmount = .seconds(10)
    /// URLSession's idle timeout, which the CLI commands had before.
    static let readTimeout: TimeAmount = .seconds(60)

    private static let current = Mutex<HTTPClient?>(nil)

    static var client: HTTPClient {
        current.withLock { client in
            if let client { return client }
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: connectTimeout, read: readTimeout), decompression: .disabled)
            configuration.connectionPool.retryConnectionEstablishment = false
            let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            client = made
            return made
        }
    }

    /// Sends `request` and reads the answer (the body up to `request.maxResponseBytes`, the
    /// rest is discarded). Any status is an answer; the caller decides what is a failure.
    public static func send(_ request: OutboundRequest) async throws(OutboundHTTPError) -> OutboundResponse {
        let peer = OutboundHTTPError.peer(of: request.url)
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        outgoing.tlsConfiguration = request.tls
        do {
            let response = try await client.execute(outgoing, timeout: timeAmount(request.timeout))
            var body = ByteBuffer()
            for try await var chunk in response.body where body.readableBytes < request.maxResponseBytes {
                body.writeBuffer(&chunk)
            }
            return OutboundResponse(
                status: Int(response.status.code), body: Array(buffer: body), headers: response.headers.map { ($0.name, $0.value) })
        } catch {
            throw OutboundHTTPError(classifying: error, peer: peer)
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return .nanoseconds(overflow ? .max : max(1, nanoseconds + attoseconds / 1_000_000_000))
    }

    /// Closes the shared client's connections; a later `send` makes a new client.
    public static func shutdown() async {
        guard let client = current.withLock({ client in defer { client = nil }; return client }) else { return }
        try? await client.shutdown()
    }
}

/// One request for ``OutboundHTTP/send(_:)``.
public struct OutboundRequest: Sendable {
    public var method: String
    /// `http://` or `https://` with host, optional port, path and query.
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// Over the whole exchange: connecting, sending and reading the answer.
    public var timeout: Duration
    /// `nil`: verify against the system trust store.
    public var tls: TLSConfiguration?
    /// Bodies beyond this are read and discarded.
    public var maxResponseBytes: Int

    /// A request to a Perfwatch server's API (the CLI commands, `load --server`): `Content-Type`
    /// when there is a body, `Authorization: Bearer KEY` when a key is given.
    public static func perfwatchAPI(
        _ method: String, _ url: String, body: [UInt8]? = nil, contentType: String? = nil, apiKey: String?, timeout: Duration
    ) -> OutboundRequest {
        var headers: [(String, String)] = []
        if let contentType { headers.append(("Content-Type", contentType)) }
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        return OutboundRequest(method: method, url: url, headers: headers, body: body, timeout: timeout)
    }

    public init(
        method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, timeout: Duration,
        tls: TLSConfiguration? = nil, maxResponseBytes: Int = 16 << 20
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.tls = tls
        self.maxResponseBytes = maxResponseBytes
    }
}

/// The status and (up to the request's limit) the body of an answer.
public struct OutboundResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// As received (forwarding reads `Retry-After`).
    public var headers: [(String, String)]

    public init(status: Int, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var isSuccess: Bool { (200..<300).contains(status) }
}
