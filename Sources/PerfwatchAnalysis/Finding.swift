public import PerfwatchModel

/// What one analyzer reports: findings of its `type`s over a window of data.
public protocol Analyzer: Sendable {
    /// Issue types this analyzer decides about (an open issue of these types that it no longer
    /// reports counts a clean pass).
    var types: Set<String> { get }
    func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue]
}

/// The data window a pass looks at.
public struct AnalysisContext: Sendable {
    public var from: Int64
    public var to: Int64
    public var nowMs: Int64

    public init(from: Int64, to: Int64, nowMs: Int64) {
        self.from = from
        self.to = to
        self.nowMs = nowMs
    }
}

enum Format {
    static func ms(_ value: Double) -> String {
        value >= 1000 ? "\((value / 100).rounded() / 10) s" : "\(Int(value.rounded())) ms"
    }

    /// A small JSON object of figures (values already JSON).
    static func evidence(_ pairs: KeyValuePairs<String, String>) -> String {
        evidence(pairs.map { ($0.key, $0.value) })
    }

    /// The same, for evidence whose members depend on the data (built up in order).
    static func evidence(_ pairs: [(String, String)]) -> String {
        var out = "{"
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out += "," }
            JSONString.append(pair.0, to: &out)
            out += ":" + pair.1
        }
        return out + "}"
    }

    static func string(_ text: String) -> String {
        var out = ""
        JSONString.append(text, to: &out)
        return out
    }

    static func number(_ value: Double) -> String { value.isFinite ? "\((value * 100).rounded() / 100)" : "null" }
}
