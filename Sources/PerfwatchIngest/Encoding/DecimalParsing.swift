/// Number parsing straight from request bytes, shared by the JSON and Prometheus parsers.
enum DecimalParsing {
    static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Optional sign and decimal digits; nil on anything else or overflow.
    static func integer(_ token: ArraySlice<UInt8>) -> Int64? {
        var index = token.startIndex
        var negative = false
        if index < token.endIndex, token[index] == UInt8(ascii: "-") || token[index] == UInt8(ascii: "+") {
            negative = token[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < token.endIndex else { return nil }
        var value: Int64 = 0
        while index < token.endIndex {
            let digit = token[index] &- 48
            guard digit < 10 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(Int64(digit)) : times.addingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    /// Plain decimals (`-12.345`) with at most 15 significant digits, converted exactly: an exact
    /// integer divided by an exact power of ten is correctly rounded. Nil for anything else
    /// (exponents, long mantissas, words), which callers hand to the standard library.
    static func fastDouble(_ token: ArraySlice<UInt8>) -> Double? {
        var index = token.startIndex
        var negative = false
        if index < token.endIndex, token[index] == UInt8(ascii: "-") || token[index] == UInt8(ascii: "+") {
            negative = token[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < token.endIndex, token.last != UInt8(ascii: ".") else { return nil }
        var mantissa: Int64 = 0
        var digits = 0
        var anyDigit = false
        var fractionDigits = 0
        var seenPoint = false
        while index < token.endIndex {
            let byte = token[index]
            if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else if byte &- 48 < 10 {
                anyDigit = true
                if mantissa > 0 || byte != 48 { digits += 1 }
                guard digits <= 15 else { return nil }
                mantissa = mantissa * 10 + Int64(byte &- 48)
                if seenPoint { fractionDigits += 1 }
            } else {
                return nil
            }
            index += 1
        }
        guard anyDigit, fractionDigits <= 22 else { return nil }
        let magnitude = Double(mantissa) / exactPowersOfTen[fractionDigits]
        return negative ? -magnitude : magnitude
    }

    /// Any number text: the fast path, else the standard library.
    static func double(_ token: ArraySlice<UInt8>) -> Double? {
        if let value = fastDouble(token) { return value }
        return Double(String(decoding: token, as: UTF8.self))
    }
}
