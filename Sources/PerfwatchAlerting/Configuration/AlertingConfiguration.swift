public import PerfwatchConfig

/// The notification side of alerting, as written under `alerting:` in the server's
/// configuration file:
///
/// ```yaml
/// alerting:
///   external_url: http://perfwatch.internal:4318
///   channels:
///     - {name: pager, type: webhook, url: "http://pager.internal/hook", timeout: 5s}
///     - {name: team-slack, type: slack, url: "https://hooks.slack.com/services/T000/B000/XXX"}
///     - name: oncall-mail
///       type: email
///       smtp: {host: smtp.internal, port: 587, from: perfwatch@example.com, to: [oncall@example.com], tls: starttls}
///       ca_file: /etc/perfwatch/internal-ca.pem
///     - {name: dashboard, type: in_app}
///   routes:
///     - match: ["severity=critical"]
///       channels: [pager, oncall-mail]
///       group_by: [alertname, service]
///       escalate: [{after: 15m, channels: [team-slack]}]
///     - match: []
///       channels: [dashboard]
///   delivery: {max_attempts: 5, initial_backoff: 1s, max_backoff: 1m}
/// ```
public struct AlertingConfiguration: Sendable, Hashable, Codable {
    public var channels: [NotificationChannel]
    public var routes: [NotificationRoute]
    public var delivery: DeliveryPolicy
    /// Base URL of this server, used for links in notifications (`generatorURL`).
    public var externalURL: String

    public init(channels: [NotificationChannel] = [], routes: [NotificationRoute] = [], delivery: DeliveryPolicy = .default, externalURL: String = "http://127.0.0.1:4318") {
        self.channels = channels
        self.routes = routes
        self.delivery = delivery
        self.externalURL = externalURL
    }

    /// A fresh install: alerts appear in the dashboard (in-app) and nowhere else.
    public static let `default` = AlertingConfiguration(
        channels: [NotificationChannel(name: "dashboard", kind: .inApp)],
        routes: [NotificationRoute(channels: ["dashboard"])])

    /// Parses YAML text on its own (tests, tools). With `section`, reads that top-level key of
    /// the document; an absent section gives ``default``. The server does not use this: it
    /// reads its file once and hands the `alerting:` node to ``parse(_:)``.
    /// Throws every problem found, each naming file, line and field.
    public static func parse(yaml: String, file: String? = nil, section: String? = nil) throws(AlertingErrors) -> AlertingConfiguration {
        let root: ConfigNode
        do throws(ConfigError) {
            root = try ConfigNode.parseYAML(yaml, file: file)
        } catch {
            throw AlertingErrors([AlertingError(error)])
        }
        var node = root
        if let section {
            guard let child = root[section] else { return .default }
            node = child
        } else if root.isNull {
            return .default
        }
        return try parse(node)
    }

    /// Reads the `alerting:` section from the server configuration's tree (parsed once, with
    /// the rest of the file). Throws every problem found, each naming file, line and field.
    public static func parse(_ node: ConfigNode) throws(AlertingErrors) -> AlertingConfiguration {
        var errors: [AlertingError] = []
        var configuration = AlertingConfiguration()
        do throws(ConfigError) {
            try node.checkKeys(["external_url", "channels", "routes", "delivery"])
        } catch {
            errors.append(AlertingError(error))
        }
        if let url = try? node["external_url"]?.string() { configuration.externalURL = url }
        for channelNode in (try? node["channels"]?.sequence()) ?? [] {
            do throws(ConfigError) {
                let channel = try parseChannel(channelNode)
                if configuration.channels.contains(where: { $0.name == channel.name }) {
                    throw ConfigError.invalid(try channelNode.required("name"), "duplicate channel name \"\(channel.name)\"")
                }
                configuration.channels.append(channel)
            } catch {
                errors.append(AlertingError(error))
            }
        }
        let known = Set(configuration.channels.map(\.name))
        for routeNode in (try? node["routes"]?.sequence()) ?? [] {
            do throws(ConfigError) {
                configuration.routes.append(try parseRoute(routeNode, knownChannels: known))
            } catch {
                errors.append(AlertingError(error))
            }
        }
        if let deliveryNode = node["delivery"] {
            do throws(ConfigError) {
                try deliveryNode.checkKeys(["max_attempts", "initial_backoff", "max_backoff", "multiplier"])
                var policy = DeliveryPolicy()
                if let attempts = deliveryNode["max_attempts"] {
                    policy.maxAttempts = try attempts.int()
                    guard policy.maxAttempts >= 1 else { throw ConfigError.invalid(attempts, "must be at least 1") }
                }
                policy.initialBackoff = try deliveryNode["initial_backoff"]?.duration() ?? policy.initialBackoff
                policy.maxBackoff = try deliveryNode["max_backoff"]?.duration() ?? policy.maxBackoff
                policy.multiplier = try deliveryNode["multiplier"]?.double() ?? policy.multiplier
                configuration.delivery = policy
            } catch {
                errors.append(AlertingError(error))
            }
        }
        if !errors.isEmpty { throw AlertingErrors(errors) }
        return configuration
    }

    private static func parseChannel(_ node: ConfigNode) throws(ConfigError) -> NotificationChannel {
        try node.checkKeys(["name", "type", "url", "timeout", "smtp", "ca_file", "insecure_skip_verify"])
        let name = try node.required("name").string()
        guard !name.isEmpty else { throw .invalid(try node.required("name"), "must not be empty") }
        let typeNode = try node.required("type")
        let typeText = try typeNode.string()
        guard let kind = NotificationChannel.Kind(rawValue: typeText) else {
            throw .invalid(typeNode, "expected one of webhook, slack, email, in_app; got \"\(typeText)\"")
        }
        var channel = NotificationChannel(name: name, kind: kind)
        channel.timeout = try node["timeout"]?.duration() ?? channel.timeout
        channel.tls.insecureSkipVerify = try node["insecure_skip_verify"]?.bool() ?? false
        if let caNode = node["ca_file"] {
            channel.tls.caFile = try caNode.string()
            do throws(AlertingError) {
                try channel.tls.validate()
            } catch {
                throw .invalid(caNode, error.message)
            }
        }
        switch kind {
        case .webhook, .slack:
            let urlNode = try node.required("url")
            let url = try urlNode.string()
            do throws(AlertingError) {
                _ = try HTTPTarget(url: url)
            } catch {
                throw .invalid(urlNode, error.message)
            }
            channel.url = url
        case .email:
            let smtpNode = try node.required("smtp")
            try smtpNode.checkKeys(["host", "port", "from", "to", "username", "password", "tls", "helo_name"])
            var smtp = SMTPSettings(host: try smtpNode.required("host").string(), from: try smtpNode.required("from").string(), to: try smtpNode.required("to").stringList())
            guard !smtp.to.isEmpty else { throw .invalid(try smtpNode.required("to"), "at least one recipient is required") }
            if let port = smtpNode["port"] {
                smtp.port = try port.int()
                guard (1...65535).contains(smtp.port) else { throw .invalid(port, "expected a port between 1 and 65535") }
            }
            smtp.username = try smtpNode["username"]?.string()
            smtp.password = try smtpNode["password"]?.string()
            smtp.heloName = try smtpNode["helo_name"]?.string() ?? smtp.heloName
            if let tlsNode = smtpNode["tls"] {
                let text = try tlsNode.string()
                guard let mode = SMTPSettings.TLSMode(rawValue: text) else {
                    throw .invalid(tlsNode, "expected one of none, starttls, implicit; got \"\(text)\"")
                }
                smtp.tls = mode
                // Implicit TLS has its own well-known port (RFC 8314); STARTTLS keeps 25.
                if mode == .implicit && smtpNode["port"] == nil { smtp.port = 465 }
            }
            channel.smtp = smtp
        case .inApp:
            break
        }
        return channel
    }

    private static func parseRoute(_ node: ConfigNode, knownChannels: Set<String>) throws(ConfigError) -> NotificationRoute {
        try node.checkKeys(["match", "channels", "group_by", "group_wait", "group_interval", "repeat_interval", "continue", "escalate"])
        var route = NotificationRoute(channels: [])
        if let matchNode = node["match"] {
            let items: [ConfigNode]
            if case .scalar = matchNode.value { items = [matchNode] } else { items = try matchNode.sequence() }
            for item in items {
                let text = try item.string()
                do throws(AlertingError) {
                    route.matchers.append(try LabelMatcher(parsing: text))
                } catch {
                    throw .invalid(item, error.message)
                }
            }
        }
        route.channels = try checkChannels(node.required("channels"), knownChannels)
        route.groupBy = try node["group_by"]?.stringList() ?? route.groupBy
        route.groupWait = try node["group_wait"]?.duration() ?? route.groupWait
        route.groupInterval = try node["group_interval"]?.duration() ?? route.groupInterval
        route.repeatInterval = try node["repeat_interval"]?.duration() ?? route.repeatInterval
        route.continueMatching = try node["continue"]?.bool() ?? false
        for stepNode in try node["escalate"]?.sequence() ?? [] {
            try stepNode.checkKeys(["after", "channels"])
            route.escalate.append(EscalationStep(after: try stepNode.required("after").duration(), channels: try checkChannels(stepNode.required("channels"), knownChannels)))
        }
        return route
    }

    private static func checkChannels(_ node: ConfigNode, _ known: Set<String>) throws(ConfigError) -> [String] {
        let names = try node.stringList()
        guard !names.isEmpty else { throw .invalid(node, "at least one channel is required") }
        for name in names where !known.contains(name) {
            throw .invalid(node, "unknown channel \"\(name)\"; defined channels: \(known.sorted().joined(separator: ", "))")
        }
        return names
    }
}
