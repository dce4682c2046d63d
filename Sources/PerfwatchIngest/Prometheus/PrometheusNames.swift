/// Prometheus 2.42's name rules (`model.IsValidMetricName`, `LabelName.IsValid`), byte by byte:
/// metric names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`.
public enum PrometheusNames {
    public static func isMetricName(_ name: String) -> Bool {
        isName(name, colon: true)
    }

    public static func isLabelName(_ name: String) -> Bool {
        isName(name, colon: false)
    }

    private static func isName(_ name: String, colon: Bool) -> Bool {
        var first = true
        for byte in name.utf8 {
            let letter = (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95 || (colon && byte == 58)
            guard letter || (!first && byte >= 48 && byte <= 57) else { return false }
            first = false
        }
        return !first
    }
}
