import HTTPTypes

/// What a proxy changes in the headers it passes on: hop-by-hop headers (RFC 9110 §7.6.1, plus
/// those the `Connection` header names) stay on their own hop; `X-Forwarded-*` tell the upstream
/// who asked.
enum ForwardedHeaders {
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]

    /// Lowercased names not to pass on from `fields` (lowercased names): the fixed set and those `Connection` lists.
    static func dropped(in fields: [(name: String, value: String)]) -> Set<String> {
        var names = hopByHop
        for (name, value) in fields where name == "connection" {
            for token in value.split(separator: ",") {
                names.insert(token.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        return names
    }

    /// The request headers for the upstream (from lowercased client headers), as (name, value) pairs in order.
    static func upstreamRequest(
        _ fields: [(name: String, value: String)], host: String?, clientAddress: String?, traceparent: String?
    ) -> [(String, String)] {
        // `Expect: 100-continue` is answered by the edge itself (`PassThroughHandler`), not passed on.
        let drop = dropped(in: fields).union(["host", "x-forwarded-host", "x-forwarded-proto", "traceparent", "expect"])
        var headers: [(String, String)] = []
        var forwardedFor: String?
        for (name, value) in fields {
            if name == "x-forwarded-for" {
                forwardedFor = forwardedFor.map { "\($0), \(value)" } ?? value
                continue
            }
            if drop.contains(name) { continue }
            headers.append((name, value))
        }
        if let clientAddress {
            forwardedFor = forwardedFor.map { "\($0), \(clientAddress)" } ?? clientAddress
        }
        if let forwardedFor { headers.append(("X-Forwarded-For", forwardedFor)) }
        headers.append(("X-Forwarded-Proto", "http"))
        if let host { headers.append(("X-Forwarded-Host", host)) }
        if let traceparent { headers.append(("traceparent", traceparent)) }
        return headers
    }

    /// The bytes the request line and headers took on the wire (near enough: names, values,
    /// `: ` and CRLF), for the 431 limit.
    static func headBytes(method: String, target: String, fields: HTTPFields, authority: String?) -> Int {
        var total = method.utf8.count + target.utf8.count + 12
        if let authority { total += authority.utf8.count + 8 }
        for field in fields { total += field.name.rawName.utf8.count + field.value.utf8.count + 4 }
        return total
    }
}

import Foundation
