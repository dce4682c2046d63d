import Foundation
import PerfwatchIngest

/// `pg_stat_statements` text (constants as `$1`) and a span's statement (literals, `?` or `$1`)
/// meet at the span fingerprint: both normalize to the same text (`SQLFingerprint.normalize`
/// folds literals and `$n` to `?` and IN-lists to one item), whose hash spans carry. PostgreSQL
/// also makes a parameter of what the normalizer keeps — a negative number's sign (`-1` → `$1`,
/// `-?` in the span) and booleans (`true` → `$1`) — so a row the fingerprint misses is matched
/// on its loose key, computed from the span's sample.
enum StatementMatching {
    static func fingerprint(of statement: String) -> String {
        SQLFingerprint.fingerprint(ofNormalized: SQLFingerprint.normalize(statement))
    }

    static let constants = try! NSRegularExpression(pattern: #"-\?|\bTRUE\b|\bFALSE\b"#)

    /// The normalized text with signs and booleans folded into `?` too.
    static func looseKey(of statement: String) -> String {
        let normalized = SQLFingerprint.normalize(statement)
        return constants.stringByReplacingMatches(
            in: normalized, range: NSRange(normalized.startIndex..., in: normalized), withTemplate: "?")
    }

    /// Finds the spans' view of a statistics row.
    struct Index {
        let byFingerprint: [String: FingerprintUsage]
        let byLooseKey: [String: FingerprintUsage]

        init(_ usage: [FingerprintUsage]) {
            byFingerprint = Dictionary(usage.map { ($0.fingerprint, $0) }, uniquingKeysWith: { first, _ in first })
            byLooseKey = Dictionary(usage.map { (StatementMatching.looseKey(of: $0.statement), $0) }, uniquingKeysWith: { first, _ in first })
        }

        func usage(forStatistics query: String) -> FingerprintUsage? {
            byFingerprint[StatementMatching.fingerprint(of: query)] ?? byLooseKey[StatementMatching.looseKey(of: query)]
        }
    }
}
