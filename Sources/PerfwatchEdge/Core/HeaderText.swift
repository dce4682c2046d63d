extension StringProtocol {
    /// Without the optional white space (spaces and tabs, RFC 9110 §5.6.3) around a header element.
    var trimmedOWS: String {
        let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isOWS($0) }), let last = lastIndex(where: { !isOWS($0) }) else { return "" }
        return String(self[first...last])
    }

    /// The comma-separated elements of a list-valued header, trimmed, empty ones dropped.
    var headerListElements: [String] {
        split(separator: ",").map(\.trimmedOWS).filter { !$0.isEmpty }
    }
}
