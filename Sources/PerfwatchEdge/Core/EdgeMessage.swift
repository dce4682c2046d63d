/// A request as the edge's cache and compression see it: fully buffered, header names lowercased.
/// The proxy converts to and from its streaming form only when a route has a cache rule or
/// compression applies, so these stay plain values that tests can build by hand.
public struct EdgeRequest: Sendable {
    public var method: String
    /// Path and query, as received ("/courses/7?tab=1").
    public var target: String
    /// In arrival order, names lowercased; repeated names stay separate entries.
    public var headers: [(name: String, value: String)]

    public init(method: String, target: String, headers: [(name: String, value: String)] = []) {
        self.method = method
        self.target = target
        self.headers = headers.map { (name: $0.name.lowercased(), value: $0.value) }
    }

    /// The field value of `name` (any case); repeated fields are joined with ", " as RFC 9110 §5.3 allows.
    public func header(_ name: String) -> String? {
        EdgeHeaders.value(of: name, in: headers)
    }

    /// Replaces every field named `name` with one field (or removes them all when `value` is nil).
    public mutating func setHeader(_ name: String, _ value: String?) {
        headers = EdgeHeaders.setting(name, value, in: headers)
    }
}

/// A buffered response: what the upstream answered, or what the cache serves.
public struct EdgeResponse: Sendable {
    public var status: Int
    /// Names lowercased, like `EdgeRequest.headers`.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers.map { (name: $0.name.lowercased(), value: $0.value) }
        self.body = body
    }

    public func header(_ name: String) -> String? {
        EdgeHeaders.value(of: name, in: headers)
    }

    /// Replaces every field named `name` with one field (or removes them all when `value` is nil).
    public mutating func setHeader(_ name: String, _ value: String?) {
        headers = EdgeHeaders.setting(name, value, in: headers)
    }
}

/// The header-list helpers both message types share.
enum EdgeHeaders {
    static func value(of name: String, in headers: [(name: String, value: String)]) -> String? {
        let wanted = name.lowercased()
        let values = headers.compactMap { $0.name == wanted ? $0.value : nil }
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    static func setting(_ name: String, _ value: String?, in headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        let wanted = name.lowercased()
        var result = headers.filter { $0.name != wanted }
        if let value { result.append((name: wanted, value: value)) }
        return result
    }
}
