internal import Foundation
internal import NIOCore
internal import NIOPosix
internal import NIOSSL

/// Just enough SMTP to hand one message to a server: EHLO, optional STARTTLS (then EHLO
/// again), optional AUTH PLAIN/LOGIN, MAIL FROM, RCPT TO, DATA, QUIT (RFC 5321, RFC 3207,
/// RFC 4954). With `tls: implicit` the connection is TLS from the start (port 465).
///
/// With `tls: starttls` a server that does not offer STARTTLS is an error: the message is
/// never sent in clear text when the channel asked for TLS.
struct SMTPClient: Sendable {
    var settings: SMTPSettings
    var timeout: Duration
    var eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    /// Built once per channel when it uses TLS; a failure is reported on every send.
    let tlsContext: Result<NIOSSLContext, AlertingError>?

    init(settings: SMTPSettings, timeout: Duration, tls: TLSClientSettings?) {
        self.settings = settings
        self.timeout = timeout
        tlsContext = tls.map { tls in Result(catching: { () throws(AlertingError) -> NIOSSLContext in try tls.makeContext() }) }
    }

    private func context() throws -> NIOSSLContext {
        guard let tlsContext else {
            throw AlertingError(code: "tls_setup", message: "smtp.tls is \(settings.tls.rawValue) but the channel was built without TLS settings")
        }
        return try tlsContext.get()
    }

    /// Sends `message` (complete RFC 5322 text with CRLF line ends).
    func send(message: String) async throws {
        let timeoutAmount = TimeAmount.milliseconds(max(1, timeout.milliseconds))
        let timedOut = Locked(false)
        let implicitTLS: NIOSSLContext? = try settings.tls == .implicit ? context() : nil
        let host = settings.host
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(timeoutAmount)
                .connect(host: settings.host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let implicitTLS {
                            try channel.pipeline.syncOperations.addHandler(TLSClientSupport.handler(context: implicitTLS, host: host))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw AlertingError(code: "connect_failed", message: "cannot connect to SMTP server \(settings.host):\(settings.port): \(error)")
        }
        let underlying = channel.channel
        let deadline = underlying.eventLoop.scheduleTask(in: timeoutAmount) {
            timedOut.set(true)
            underlying.close(promise: nil)
        }
        defer { deadline.cancel() }
        do {
            try await channel.executeThenClose { inbound, outbound in
                var session = Session(lines: inbound.makeAsyncIterator(), outbound: outbound)
                try await converse(&session, message: message, channel: underlying)
            }
        } catch {
            if timedOut.value {
                throw AlertingError(code: "timeout", message: "SMTP server \(settings.host):\(settings.port) did not finish within \(AlertDuration.format(timeout))")
            }
            throw TLSClientSupport.describe(error, peer: "SMTP server \(settings.host):\(settings.port)") ?? error
        }
    }

    private func converse(_ session: inout Session, message: String, channel: any Channel) async throws {
        try await session.expect(220, after: "connect")
        var ehlo = try await session.command("EHLO \(settings.heloName)", expect: 250)
        if settings.tls == .starttls {
            guard ehlo.dropFirst().contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                throw AlertingError(
                    code: "smtp_starttls_not_offered",
                    message: "SMTP server \(settings.host):\(settings.port) does not offer STARTTLS; not sending in clear text (set smtp.tls: none for a local relay)")
            }
            try await session.command("STARTTLS", expect: 220)
            // TLS goes in front of the line decoder; the server says nothing until the
            // handshake, so no clear-text bytes are left buffered behind it.
            let tls = try context()
            let host = settings.host
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(TLSClientSupport.handler(context: tls, host: host), position: .first)
            }.get()
            // RFC 3207: forget what was learned before TLS and ask again.
            ehlo = try await session.command("EHLO \(settings.heloName)", expect: 250)
        }
        let extensions = ehlo.dropFirst().map { $0.uppercased() }
        if let username = settings.username {
            let password = settings.password ?? ""
            let mechanisms = extensions.first { $0.hasPrefix("AUTH") }.map { $0.split(separator: " ").dropFirst().map(String.init) } ?? []
            if mechanisms.contains("PLAIN") || !mechanisms.contains("LOGIN") {
                let token = Data(("\0" + username + "\0" + password).utf8).base64EncodedString()
                try await session.command("AUTH PLAIN \(token)", expect: 235, redacted: "AUTH PLAIN ***")
            } else {
                try await session.command("AUTH LOGIN", expect: 334)
                try await session.command(Data(username.utf8).base64EncodedString(), expect: 334, redacted: "***")
                try await session.command(Data(password.utf8).base64EncodedString(), expect: 235, redacted: "***")
            }
        }
        try await session.command("MAIL FROM:<\(settings.from)>", expect: 250)
        for recipient in settings.to {
            try await session.command("RCPT TO:<\(recipient)>", expect: 250, 251)
        }
        try await session.command("DATA", expect: 354)
        // Dot-stuffing (RFC 5321 4.5.2): a line starting with "." gets another.
        let stuffed = message.split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
        try await session.command(stuffed + "\r\n.", expect: 250, redacted: "<message>")
        _ = try? await session.command("QUIT", expect: 221)
    }

    /// One conversation: reads multi-line replies and writes commands.
    private struct Session {
        var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

        /// Reads one reply (`250-first`, `250-second`, `250 last`); returns its code and lines.
        mutating func reply() async throws -> (code: Int, lines: [String]) {
            var collected: [String] = []
            while let buffer = try await lines.next() {
                let line = String(buffer: buffer)
                collected.append(line.count > 4 ? String(line.dropFirst(4)) : "")
                let bytes = Array(line.utf8)
                if bytes.count < 4 || bytes[3] == UInt8(ascii: " ") {
                    guard let code = Int(line.prefix(3)) else {
                        throw AlertingError(code: "smtp_protocol", message: "unexpected SMTP reply \"\(line)\"")
                    }
                    return (code, collected)
                }
            }
            throw AlertingError(code: "smtp_protocol", message: "SMTP server closed the connection")
        }

        mutating func expect(_ codes: Int..., after what: String) async throws {
            let answer = try await reply()
            guard codes.contains(answer.code) else {
                throw AlertingError(code: "smtp_rejected", message: "SMTP server answered \(answer.code) \(answer.lines.joined(separator: " ")) to \(what)")
            }
        }

        @discardableResult
        mutating func command(_ text: String, expect codes: Int..., redacted: String? = nil) async throws -> [String] {
            try await outbound.write(ByteBuffer(string: text + "\r\n"))
            let answer = try await reply()
            guard codes.contains(answer.code) else {
                throw AlertingError(code: "smtp_rejected", message: "SMTP server answered \(answer.code) \(answer.lines.joined(separator: " ")) to \(redacted ?? text)")
            }
            return answer.lines
        }
    }
}
