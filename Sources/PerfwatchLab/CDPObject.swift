import Foundation

/// A DevTools JSON object as JSONSerialization reads it. The protocol is wide and loosely typed; reading the
/// few fields each step needs from a dictionary beats declaring a Codable type per message.
/// `@unchecked Sendable`: the dictionary is immutable after parsing and holds only plist-like values.
public struct CDPObject: @unchecked Sendable {
    public let raw: [String: Any]

    public init(_ raw: [String: Any]) { self.raw = raw }

    public subscript(key: String) -> Any? { raw[key] }
    public func object(_ key: String) -> CDPObject? { (raw[key] as? [String: Any]).map(CDPObject.init) }
    public func objects(_ key: String) -> [CDPObject] { (raw[key] as? [[String: Any]] ?? []).map(CDPObject.init) }
    public func string(_ key: String) -> String? { raw[key] as? String }
    public func double(_ key: String) -> Double? { (raw[key] as? NSNumber)?.doubleValue }
    public func int(_ key: String) -> Int? { (raw[key] as? NSNumber)?.intValue }
    public func bool(_ key: String) -> Bool? { (raw[key] as? NSNumber)?.boolValue }
}

/// One event of the browser or of a page session.
public struct CDPEvent: Sendable {
    public let method: String
    public let params: CDPObject
    public let sessionId: String?
}
