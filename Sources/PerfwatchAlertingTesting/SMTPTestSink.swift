internal import Foundation
internal import NIOCore
internal import NIOPosix
internal import PerfwatchAlerting
internal import Synchronization

/// An in-process SMTP server that speaks enough SMTP (EHLO/HELO, AUTH PLAIN/LOGIN,
/// MAIL, RCPT, DATA, RSET, NOOP, QUIT) to receive what ``EmailNotifier`` sends, and keeps
/// every message.
public final class SMTPTestSink: Sendable {
    /// One received message.
    public struct Message: Sendable {
        public var from: String
        public var recipients: [String]
        /// The DATA section, dot-unstuffed, CRLF line ends.
        public var data: String
        /// `user` of a successful AUTH, if any.
        public var authenticatedAs: String?

        /// A header value (first occurrence, unfolded).
        public func header(_ name: String) -> String? {
            for line in data.components(separatedBy: "\r\n") {
                if line.isEmpty { return nil }
                if line.lowercased().hasPrefix(name.lowercased() + ":") {
                    return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }

        /// The decoded body of the MIME part with this content type (`text/plain`, `text/html`).
        public func part(_ contentType: String) -> String? {
            let sections = data.components(separatedBy: "\r\n--")
            for section in sections where section.lowercased().contains("content-type: \(contentType)") {
                guard let split = section.range(of: "\r\n\r\n") else { continue }
                let encoded = section[split.upperBound...].replacingOccurrences(of: "\r\n", with: "")
                if section.lowercased().contains("content-transfer-encoding: base64"),
                    let decoded = Data(base64Encoded: encoded.components(separatedBy: "--").first ?? encoded)
                {
                    return String(decoding: decoded, as: UTF8.self)
                }
                return String(section[split.upperBound...])
            }
            return nil
        }
    }

    public struct Options: Sendable {
        /// Advertise STARTTLS in the EHLO answer.
        public var advertiseStartTLS = false
        /// Require AUTH with these credentials before MAIL.
        public var credentials: (user: String, password: String)?
        public init(advertiseStartTLS: Bool = false, credentials: (user: String, password: String)? = nil) {
            self.advertiseStartTLS = advertiseStartTLS
            self.credentials = credentials
        }
    }

    private let messagesBox = Mutex<[Message]>([])
    private let channel: any Channel
    public let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    /// Starts listening on 127.0.0.1 on a free port.
    public static func start(options: Options = Options()) async throws -> SMTPTestSink {
        let holder = Locked<SMTPTestSink?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(SMTPSessionHandler(options: options) { message in
                        holder.value?.messagesBox.withLock { $0.append(message) }
                    })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let sink = SMTPTestSink(channel: channel)
        holder.set(sink)
        return sink
    }

    public var messages: [Message] { messagesBox.withLock { $0 } }

    /// Waits until at least `count` messages arrived, or `timeout` passed.
    public func waitForMessages(_ count: Int, timeout: Duration = .seconds(5)) async -> [Message] {
        let deadline = ContinuousClock.now + timeout
        while messages.count < count && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return messages
    }

    public func stop() async {
        try? await channel.close()
    }
}

/// The server side of one SMTP conversation.
private final class SMTPSessionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let options: SMTPTestSink.Options
    let deliver: @Sendable (SMTPTestSink.Message) -> Void
    var from = ""
    var recipients: [String] = []
    var inData = false
    var dataLines: [String] = []
    var authenticated: String?
    var loginStep: Int?
    var loginUser = ""

    init(options: SMTPTestSink.Options, deliver: @escaping @Sendable (SMTPTestSink.Message) -> Void) {
        self.options = options
        self.deliver = deliver
    }

    func channelActive(context: ChannelHandlerContext) {
        reply(context, "220 localhost test SMTP sink ready")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = String(buffer: unwrapInboundIn(data))
        if inData {
            if line == "." {
                inData = false
                deliver(SMTPTestSink.Message(from: from, recipients: recipients, data: dataLines.joined(separator: "\r\n"), authenticatedAs: authenticated))
                dataLines = []
                recipients = []
                reply(context, "250 OK queued")
            } else {
                dataLines.append(line.hasPrefix("..") ? String(line.dropFirst()) : line)
            }
            return
        }
        if let step = loginStep {
            let decoded = String(decoding: Data(base64Encoded: line) ?? Data(), as: UTF8.self)
            if step == 0 {
                loginUser = decoded
                loginStep = 1
                reply(context, "334 UGFzc3dvcmQ6")
            } else {
                loginStep = nil
                checkCredentials(context, user: loginUser, password: decoded)
            }
            return
        }
        let upper = line.uppercased()
        if upper.hasPrefix("EHLO") {
            var lines = ["250-localhost greets you", "250-8BITMIME", "250-AUTH PLAIN LOGIN"]
            if options.advertiseStartTLS { lines.append("250-STARTTLS") }
            lines.append("250 SIZE 10485760")
            reply(context, lines.joined(separator: "\r\n"))
        } else if upper.hasPrefix("HELO") {
            reply(context, "250 localhost")
        } else if upper.hasPrefix("AUTH PLAIN ") {
            let decoded = Data(base64Encoded: String(line.dropFirst(11))) ?? Data()
            let parts = decoded.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            checkCredentials(context, user: parts.count > 1 ? parts[1] : "", password: parts.count > 2 ? parts[2] : "")
        } else if upper == "AUTH LOGIN" {
            loginStep = 0
            reply(context, "334 VXNlcm5hbWU6")
        } else if upper.hasPrefix("MAIL FROM:") {
            if options.credentials != nil && authenticated == nil {
                reply(context, "530 Authentication required")
                return
            }
            from = Self.address(line.dropFirst(10))
            reply(context, "250 OK")
        } else if upper.hasPrefix("RCPT TO:") {
            recipients.append(Self.address(line.dropFirst(8)))
            reply(context, "250 OK")
        } else if upper == "DATA" {
            inData = true
            reply(context, "354 End data with <CR><LF>.<CR><LF>")
        } else if upper == "QUIT" {
            reply(context, "221 Bye")
            context.close(promise: nil)
        } else if upper == "RSET" || upper == "NOOP" {
            reply(context, "250 OK")
        } else {
            reply(context, "502 Command not implemented")
        }
    }

    private func checkCredentials(_ context: ChannelHandlerContext, user: String, password: String) {
        if let expected = options.credentials, expected.user != user || expected.password != password {
            reply(context, "535 Authentication failed")
        } else {
            authenticated = user
            reply(context, "235 Authentication successful")
        }
    }

    private static func address(_ text: Substring) -> String {
        text.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
    }

    private func reply(_ context: ChannelHandlerContext, _ text: String) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
    }
}

