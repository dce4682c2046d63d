import Foundation
import PerfwatchModel

/// Where the server may send requests that an API caller pointed somewhere (`outbound.allow`).
/// By default a destination set through the API is refused when its host is, or resolves to,
/// a loopback, private, link-local, carrier-grade NAT, multicast or otherwise non-public address,
/// so the server cannot be used to reach the operator's internal network. The operator allows
/// such destinations by CIDR (`10.20.0.0/16`), address, host name (`hooks.internal`) or domain
/// (`*.corp.example`). Destinations the operator wrote in the config file (alert channels) are
/// the operator's own choice and are not checked.
public struct OutboundPolicy: Sendable, Equatable {
    enum Entry: Sendable, Equatable {
        case network([UInt8], prefixLength: Int)
        case host(String)
        case domain(String)
    }

    private(set) var entries: [Entry] = []

    public init() {}

    /// Parses `outbound.allow`; an entry that is neither a network nor a host name is an error naming it.
    public init(allow: [String], field: String = "outbound.allow") throws {
        for (index, raw) in allow.enumerated() {
            guard let entry = Self.entry(raw) else { throw ConfigurationError("\(field)[\(index)]: \(Self.problem(with: raw) ?? raw)") }
            entries.append(entry)
        }
    }

    /// What is wrong with `raw` as an `outbound.allow` entry; nil when it is one.
    public static func problem(with raw: String) -> String? {
        guard entry(raw) == nil else { return nil }
        return raw.contains("/")
            ? "'\(raw)' is not a network like 10.0.0.0/8 or fd00::/8" : "'\(raw)' is not an address, network (10.0.0.0/8), host or *.domain"
    }

    private static func entry(_ raw: String) -> Entry? {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        if let slash = text.firstIndex(of: "/") {
            guard let address = parseAddress(String(text[..<slash])), let length = Int(text[text.index(after: slash)...]),
                (0...address.count * 8).contains(length)
            else { return nil }
            return .network(address, prefixLength: length)
        } else if let address = parseAddress(text) {
            return .network(address, prefixLength: address.count * 8)
        } else if text.hasPrefix("*."), isHostName(String(text.dropFirst(2))) {
            return .domain(String(text.dropFirst(1)))
        } else if isHostName(text) {
            return .host(text)
        }
        return nil
    }

    /// Refuses `url` (http or https) when its host is not allowed and resolves to any non-public
    /// address, or does not resolve. Callers should connect to the addresses checked here, so a
    /// name cannot resolve differently a moment later.
    public func check(url: String, resolve: (String) -> [[UInt8]] = OutboundPolicy.resolve) throws {
        guard let host = Self.host(of: url) else {
            throw PerfwatchError(.badRequest, "'\(url)' is not an http:// or https:// URL with a host")
        }
        if entries.contains(where: { entry in
            switch entry {
            case .host(let name): name == host
            case .domain(let suffix): host.hasSuffix(suffix)
            case .network: false
            }
        }) { return }
        let addresses = Self.parseAddress(host).map { [$0] } ?? resolve(host)
        guard !addresses.isEmpty else { throw PerfwatchError(.badRequest, "the host of '\(url)' does not resolve") }
        for address in addresses where Self.isInternal(address) && !allows(address) {
            throw PerfwatchError(
                .forbidden,
                "'\(url)' reaches an internal address (\(Self.format(address))); the operator must allow it in outbound.allow")
        }
    }

    func allows(_ address: [UInt8]) -> Bool {
        entries.contains { entry in
            guard case .network(let network, let length) = entry, network.count == address.count else { return false }
            return Self.prefixMatches(address, network, length)
        }
    }
}
