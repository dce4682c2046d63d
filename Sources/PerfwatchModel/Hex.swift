/// Lowercase hex for trace and span ids: the one encoder/decoder every ingest path and the span
/// block codec share.
public enum Hex {
    @usableFromInline static let digits: StaticString = "0123456789abcdef"

    /// The value of one hex digit (either case); nil for anything else.
    @inline(__always)
    public static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }

    // Inlinable so each caller gets a specialized loop: ids are encoded three times per span.
    @inlinable
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            digits.withUTF8Buffer { digits in
                var index = 0
                for byte in bytes {
                    out[index] = digits[Int(byte >> 4)]
                    out[index + 1] = digits[Int(byte & 0xF)]
                    index += 2
                }
                return index
            }
        }
    }

    /// Hex text to bytes; nil when it is not even-length hex.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
