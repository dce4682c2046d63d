import HTTPTypes
import PerfwatchEdgePolicy

/// The response properties the edge's telemetry reports, read from upstream headers.
enum ResponseFacts {
    /// The content type without parameters, lowercased.
    static func contentType(_ value: String?) -> String {
        value.map(MediaType.essence) ?? ""
    }

    /// The most restrictive `Cache-Control` directive present (`CacheDirectives.mostRestrictive`, the
    /// cache's own reading, so the telemetry says what the cache acts on).
    static func cacheControl(_ values: [String]) -> String {
        CacheDirectives(cacheControl: values.isEmpty ? nil : values.joined(separator: ",")).mostRestrictive
    }
}

import Foundation
