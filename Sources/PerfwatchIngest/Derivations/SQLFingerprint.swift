/// Normalizes SQL statements so executions of the same query group together: string and
/// numeric literals become `?`, `IN (…)` lists collapse to `IN (?)`, whitespace folds to single
/// spaces, comments are dropped and keywords are upper-cased. The fingerprint is a stable
/// 16-hex-digit FNV-1a hash of the normalized text.
public enum SQLFingerprint {
    public static func normalize(_ statement: String) -> String {
        let bytes = Array(statement.utf8)
        // Key-value commands (Redis `GET session:ab12`, Memcached) carry their key as the
        // argument: keep the command, fold the arguments, or every key becomes a fingerprint.
        if let command = keyValueCommand(bytes) { return command }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        func emitSpace() {
            if let last = output.last, last != 32, last != UInt8(ascii: "(") { output.append(32) }
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 32, 9, 10, 13:
                emitSpace()
                index += 1
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // Single-quoted strings are literals; double quotes are identifiers and kept.
                let quote = byte
                var end = index + 1
                while end < bytes.count {
                    if bytes[end] == quote {
                        if end + 1 < bytes.count && bytes[end + 1] == quote { end += 2; continue }
                        break
                    }
                    if bytes[end] == UInt8(ascii: "\\") { end += 1 }
                    end += 1
                }
                if quote == UInt8(ascii: "'") {
                    output.append(UInt8(ascii: "?"))
                } else {
                    output.append(contentsOf: bytes[index..<min(end + 1, bytes.count)])
                }
                index = end + 1
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != 10 { index += 1 }
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                index += 2
                while index + 1 < bytes.count && !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) { index += 1 }
                index += 2
            case UInt8(ascii: "0")...UInt8(ascii: "9") where !(output.last.map(isIdentifierByte) ?? false):
                while index < bytes.count && (isIdentifierByte(bytes[index]) || bytes[index] == UInt8(ascii: ".")) { index += 1 }
                output.append(UInt8(ascii: "?"))
            case UInt8(ascii: "$") where index + 1 < bytes.count && bytes[index + 1] >= 48 && bytes[index + 1] <= 57:
                // Positional parameters ($1) are placeholders already.
                index += 1
                while index < bytes.count && bytes[index] >= 48 && bytes[index] <= 57 { index += 1 }
                output.append(UInt8(ascii: "?"))
            case _ where isIdentifierByte(byte):
                var end = index
                while end < bytes.count && isIdentifierByte(bytes[end]) { end += 1 }
                let word = bytes[index..<end]
                if keywords.contains(String(decoding: word, as: UTF8.self).uppercased()) {
                    output.append(contentsOf: String(decoding: word, as: UTF8.self).uppercased().utf8)
                } else {
                    output.append(contentsOf: word)
                }
                index = end
            case UInt8(ascii: ","), UInt8(ascii: ")"):
                if output.last == 32 { output.removeLast() }
                output.append(byte)
                index += 1
            default:
                output.append(byte)
                index += 1
            }
        }
        while output.last == 32 || output.last == UInt8(ascii: ";") { output.removeLast() }
        return collapseLists(String(decoding: output, as: UTF8.self))
    }

    /// The upper-cased command (and ` ?` when it has arguments) when the statement starts with a
    /// word of letters that is not SQL; nil for SQL.
    static func keyValueCommand(_ bytes: [UInt8]) -> String? {
        var start = 0
        while start < bytes.count && bytes[start] == 32 { start += 1 }
        var end = start
        while end < bytes.count && bytes[end] != 32 {
            let byte = bytes[end] | 0x20
            guard byte >= 97 && byte <= 122 else { return nil }  // letters only
            end += 1
        }
        guard end > start else { return nil }
        let command = String(decoding: bytes[start..<end], as: UTF8.self).uppercased()
        guard !keywords.contains(command) else { return nil }
        var words = 1
        var index = end
        while index < bytes.count {
            while index < bytes.count && bytes[index] == 32 { index += 1 }
            guard index < bytes.count else { break }
            words += 1
            if words > 64 { return nil }
            while index < bytes.count && bytes[index] != 32 { index += 1 }
        }
        return words > 1 ? command + " ?" : command
    }

    /// `(?, ?, ?)` and `(?,?)` become `(?)`, so IN lists of any length share one fingerprint;
    /// likewise multi-row `VALUES (?, ?), (?, ?)` collapse to one row. Two linear passes over
    /// the bytes (this runs for every database span).
    static func collapseLists(_ text: String) -> String {
        String(decoding: collapse(collapse(Array(text.utf8), item: Array("?".utf8)), item: Array("(?)".utf8)), as: UTF8.self)
    }

    /// Folds `item, item` and `item,item` runs into one `item`.
    static func collapse(_ bytes: [UInt8], item: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        func matches(_ at: Int) -> Bool {
            at + item.count <= bytes.count && bytes[at..<at + item.count].elementsEqual(item)
        }
        while index < bytes.count {
            if matches(index) {
                output.append(contentsOf: item)
                index += item.count
                // Skip every following `, item` / `,item`.
                while index < bytes.count && bytes[index] == UInt8(ascii: ",") {
                    let next = index + 1 < bytes.count && bytes[index + 1] == 32 ? index + 2 : index + 1
                    guard matches(next) else { break }
                    index = next + item.count
                }
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    public static func fingerprint(ofNormalized normalized: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in normalized.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The operation keyword (`SELECT`, `INSERT`, …) of a normalized statement.
    public static func operation(ofNormalized normalized: String) -> String {
        let first = normalized.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        return keywords.contains(first) ? first : "OTHER"
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 95 || byte >= 0x80
    }

    static let keywords: Set<String> = [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "NULL", "INSERT", "INTO", "VALUES", "UPDATE", "SET",
        "DELETE", "JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "ON", "AS", "ORDER", "BY", "GROUP", "HAVING", "LIMIT",
        "OFFSET", "ASC", "DESC", "DISTINCT", "COUNT", "LIKE", "BETWEEN", "EXISTS", "UNION", "ALL", "CASE", "WHEN",
        "THEN", "ELSE", "END", "WITH", "RETURNING", "BEGIN", "COMMIT", "ROLLBACK", "CREATE", "DROP", "ALTER", "TABLE",
        "INDEX", "TRUE", "FALSE", "FOR", "SHOW", "CALL", "REPLACE", "UPSERT", "MERGE",
    ]
}
