/// Stable identity of an alert instance: FNV-1a 64 of the rule's group and name and the
/// full label set, as 16 hex digits (the Alertmanager payload's `fingerprint`). Stable
/// across restarts and processes, unlike `Hasher`.
public enum AlertFingerprint {
    public static func of(labels: [String: String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0xff
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            mix(key)
            mix(value)
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
