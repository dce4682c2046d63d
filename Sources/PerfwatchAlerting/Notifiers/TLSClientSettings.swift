internal import NIOCore
internal import NIOSSL

/// How a channel verifies the servers it sends to over TLS (https webhooks and Slack, SMTP
/// with STARTTLS or implicit TLS). Verification is on by default against the system trust
/// store; `caFile` replaces that with the CA certificates of a PEM file (a private CA);
/// `insecureSkipVerify` turns verification off (logged as a warning when the channel is built).
public struct TLSClientSettings: Sendable, Hashable, Codable {
    public var caFile: String?
    public var insecureSkipVerify: Bool

    public init(caFile: String? = nil, insecureSkipVerify: Bool = false) {
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
    }

    /// Checks that `caFile` holds at least one PEM certificate; the message says what is wrong.
    public func validate() throws(AlertingError) {
        guard let caFile else { return }
        do {
            let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            guard !certificates.isEmpty else {
                throw AlertingError(code: "tls_ca_file", message: "no PEM certificate in \(caFile)")
            }
        } catch let error as AlertingError {
            throw error
        } catch {
            throw AlertingError(code: "tls_ca_file", message: "cannot read CA certificates from \(caFile): \(error)")
        }
    }

    /// The client TLS configuration for these settings: what the shared HTTP client gets per
    /// request (webhooks, Slack) and what SMTP's context is made from.
    func makeConfiguration() throws(AlertingError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if insecureSkipVerify {
            configuration.certificateVerification = .none
        } else if let caFile {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw AlertingError(code: "tls_ca_file", message: "cannot read CA certificates from \(caFile): \(error)")
            }
        }
        return configuration
    }

    /// The client TLS context for these settings (SMTP, which runs its own NIO connection).
    func makeContext() throws(AlertingError) -> NIOSSLContext {
        let configuration = try makeConfiguration()
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw AlertingError(code: "tls_setup", message: "cannot set up TLS: \(error)")
        }
    }
}

/// TLS for the SMTP connection (the one client of ours that still runs its own TLS: webhooks and
/// Slack go through `OutboundHTTP`), and the delivery-error wording of TLS failures for both.
enum TLSClientSupport {
    /// A TLS handler for a connection to `host`. SNI and name checks use the host name; an
    /// IP literal is checked against the certificate's IP addresses instead (SNI forbids it).
    static func handler(context: NIOSSLContext, host: String) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: isIPAddress(host) ? nil : host)
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// A TLS failure as a delivery error that says what to check, or `nil` for other errors.
    static func describe(_ error: any Error, peer: String) -> AlertingError? {
        switch error {
        case let ssl as NIOSSLError:
            if case .handshakeFailed(let inner) = ssl {
                return AlertingError(
                    code: "tls_handshake_failed",
                    message: "TLS handshake with \(peer) failed (certificate not trusted or name mismatch? check ca_file): \(inner)")
            }
            return AlertingError(code: "tls_failed", message: "TLS with \(peer) failed: \(ssl)")
        case let extra as NIOSSLExtraError:
            return AlertingError(code: "tls_failed", message: "TLS with \(peer) failed: \(extra)")
        case let boring as BoringSSLError:
            return AlertingError(code: "tls_failed", message: "TLS with \(peer) failed: \(boring)")
        default:
            return nil
        }
    }
}
