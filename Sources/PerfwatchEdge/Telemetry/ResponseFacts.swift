import HTTPTypes

/// The response properties the edge's telemetry reports, read from upstream headers.
enum ResponseFacts {
    /// The content type without parameters, lowercased.
    static func contentType(_ value: String?) -> String {
        guard let value else { return "" }
        return value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// The most restrictive `Cache-Control` directive present:
    /// `no-store > private > no-cache > max-age > public > none`.
    static func cacheControl(_ values: [String]) -> String {
        let directives = Set(
            values.flatMap { $0.split(separator: ",") }.map {
                $0.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            })
        for directive in ["no-store", "private", "no-cache"] where directives.contains(directive) { return directive }
        if directives.contains("max-age") || directives.contains("s-maxage") { return "max-age" }
        return directives.contains("public") ? "public" : "none"
    }
}

import Foundation
