/// A `Content-Type` value's media type without parameters, trimmed and lowercased
/// ("Text/HTML; charset=utf-8" → "text/html"): what compression rules and the edge's telemetry
/// compare. One pass over the UTF-8 bytes, no Foundation: it runs for every proxied response.
public enum MediaType {
    public static func essence(_ value: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        for byte in value.utf8 {
            if byte == UInt8(ascii: ";") { break }
            bytes.append(byte >= 65 && byte <= 90 ? byte + 32 : byte)
        }
        let isSpace = { (byte: UInt8) in byte == 32 || byte == 9 }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
