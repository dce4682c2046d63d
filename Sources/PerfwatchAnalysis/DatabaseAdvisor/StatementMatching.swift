import PerfwatchIngest

/// `pg_stat_statements` text (constants as `$1`) and a span's statement (literals, `?` or `$1`)
/// meet at the span fingerprint: both normalize to the same text (`SQLFingerprint.normalize`
/// folds literals and `$n` to `?` and IN-lists to one item), whose hash spans carry.
enum StatementMatching {
    static func fingerprint(of statement: String) -> String {
        SQLFingerprint.fingerprint(ofNormalized: SQLFingerprint.normalize(statement))
    }

    /// Usage by fingerprint, for looking up each statistics row.
    static func index(_ usage: [FingerprintUsage]) -> [String: FingerprintUsage] {
        Dictionary(usage.map { ($0.fingerprint, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
