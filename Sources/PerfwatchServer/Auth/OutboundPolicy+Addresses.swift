import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Address parsing and classification for `OutboundPolicy`.
extension OutboundPolicy {
    /// Networks that are not the public internet (IANA special-purpose registries).
    static let internalNetworks: [([UInt8], Int)] = [
        ([0, 0, 0, 0], 8), ([10, 0, 0, 0], 8), ([100, 64, 0, 0], 10), ([127, 0, 0, 0], 8), ([169, 254, 0, 0], 16),
        ([172, 16, 0, 0], 12), ([192, 0, 0, 0], 24), ([192, 168, 0, 0], 16), ([198, 18, 0, 0], 15), ([224, 0, 0, 0], 4),
        ([240, 0, 0, 0], 4),
        ([UInt8](repeating: 0, count: 16), 127),  // :: and ::1
        ([0xfc] + [UInt8](repeating: 0, count: 15), 7),  // unique local
        ([0xfe, 0x80] + [UInt8](repeating: 0, count: 14), 10),  // link-local
        ([0xff] + [UInt8](repeating: 0, count: 15), 8),  // multicast
    ]

    /// Whether an IPv4 (4 bytes) or IPv6 (16 bytes) address is non-public. IPv6 forms that carry
    /// an IPv4 address (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4 2002:a.b.c.d::) are
    /// judged by that address, so 127.0.0.1 cannot be reached through them.
    static func isInternal(_ address: [UInt8]) -> Bool {
        if address.count == 16 {
            if address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xff && address[11] == 0xff {
                return isInternal(Array(address[12..<16]))
            }
            if address[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return isInternal(Array(address[12..<16])) }
            if address[0] == 0x20 && address[1] == 0x02 { return isInternal(Array(address[2..<6])) }
        }
        return internalNetworks.contains { network, length in network.count == address.count && prefixMatches(address, network, length) }
    }

    static func prefixMatches(_ address: [UInt8], _ network: [UInt8], _ length: Int) -> Bool {
        var bits = length
        for index in address.indices where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
            if address[index] & mask != network[index] & mask { return false }
            bits -= 8
        }
        return true
    }

    /// A strict IPv4 dotted quad or IPv6 literal (no brackets); nil for anything else.
    static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func format(_ address: [UInt8]) -> String {
        address.count == 4
            ? address.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map { String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16) }.joined(separator: ":")
    }

    static func isHostName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 253 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
    }

    /// The host of an http(s) URL, lowercased, without brackets, userinfo or port.
    static func host(of url: String) -> String? {
        let lower = url.lowercased()
        guard let schemeEnd = lower.range(of: "://"), ["http", "https"].contains(String(lower[..<schemeEnd.lowerBound])) else {
            return nil
        }
        var authority = lower[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host: Substring
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
        } else {
            host = authority.prefix { $0 != ":" }
        }
        return host.isEmpty ? nil : String(host)
    }

    /// Every address `host` resolves to (IPv4 and IPv6); none when it does not resolve.
    public static func resolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [[UInt8]] = []
        var node = list
        while let info = node?.pointee {
            if info.ai_family == AF_INET, let raw = info.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin_addr
                    addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                }
            } else if info.ai_family == AF_INET6, let raw = info.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin6_addr
                    addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                }
            }
            node = info.ai_next
        }
        return addresses
    }
}
