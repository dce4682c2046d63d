/// `Accept-Encoding` negotiation (RFC 9110 §12.5.3) among the codings a compression rule allows.
enum AcceptEncoding {
    /// The coding to use for `header` among `offered` (in the rule's preference order), or nil for identity:
    /// the highest q-value wins, ties go to the earlier offered coding; `q=0` refuses a coding, `*` stands
    /// for every coding not named, and no header at all means the client takes only identity.
    static func choose(_ header: String?, offered: [String]) -> String? {
        guard let header else { return nil }
        let weights = parse(header)
        var best: (coding: String, q: Double)?
        for coding in offered {
            let q = weights[coding] ?? weights["x-" + coding] ?? weights["*"] ?? 0
            if q > 0, q > (best?.q ?? 0) { best = (coding, q) }
        }
        return best?.coding
    }

    /// Coding name (lowercased) → q-value; a q-value that does not parse counts as 0 (refused).
    static func parse(_ header: String) -> [String: Double] {
        var weights: [String: Double] = [:]
        for element in header.split(separator: ",") {
            let parts = element.split(separator: ";").map { $0.trimmedOWS }
            guard let coding = parts.first?.lowercased(), !coding.isEmpty else { continue }
            var q = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmedOWS }
                if pair.count == 2, pair[0].lowercased() == "q" { q = Double(pair[1]).map { min(max($0, 0), 1) } ?? 0 }
            }
            weights[coding] = q
        }
        return weights
    }
}
