internal import AsyncHTTPClient
internal import NIOCore
internal import NIOPosix
internal import NIOSSL

/// Why an outbound request got no answer, sorted so each caller can keep its own messages
/// (alerting's error codes, the CLI's "cannot reach").
public struct OutboundHTTPError: Error, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Not an `http://` or `https://` URL with a host.
        case invalidURL
        /// No connection: refused, unreachable, name not resolved, connect timeout.
        case connect
        /// The request's own timeout, or no bytes for the read timeout.
        case timeout
        /// The TLS handshake or session failed (`underlying` is the NIOSSL error).
        case tls
        /// The peer closed the connection before a complete answer.
        case closed
        case other
    }

    public var kind: Kind
    /// `host:port` of the URL, for messages.
    public var peer: String
    /// The client's own error, for messages and for callers that describe TLS errors themselves.
    public var underlying: any Error

    public var description: String {
        switch kind {
        case .invalidURL: "not an http:// or https:// URL with a host: \(peer)"
        case .connect: "cannot connect to \(peer): \(underlying)"
        case .timeout: "no answer from \(peer) in time (\(underlying))"
        case .tls: "TLS with \(peer) failed: \(underlying)"
        case .closed: "\(peer) closed the connection before a complete answer"
        case .other: "request to \(peer) failed: \(underlying)"
        }
    }

    init(classifying error: any Error, peer: String) {
        self.peer = peer
        underlying = error
        kind = Self.kind(of: error)
    }

    /// Public for the edge, which sorts its upstream failures the same way (502, 504, retry).
    public static func kind(of error: any Error) -> Kind {
        switch error {
        case let client as HTTPClientError:
            if [.deadlineExceeded, .readTimeout, .writeTimeout].contains(client) { return .timeout }
            if [.connectTimeout, .tlsHandshakeTimeout].contains(client) { return .connect }
            if client == .remoteConnectionClosed { return .closed }
            if [.invalidURL, .emptyHost, .emptyScheme].contains(client) { return .invalidURL }
            return .other
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError: return .tls
        case is NIOConnectionError, is IOError, is SocketAddressError: return .connect
        case let channel as ChannelError:
            switch channel {
            case .connectTimeout: return .connect
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed: return .closed
            default: return .other
            }
        default: return .other
        }
    }

    /// `host[:port]` of an `http(s)://` URL, or the URL itself when it has no authority.
    static func peer(of url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@").last.map(String.init) ?? String(authority)
        return host.isEmpty ? url : host
    }
}
