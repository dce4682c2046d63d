import PerfwatchModel
import PerfwatchStorage

/// OpenTelemetry → Prometheus names, as Prometheus' own OTLP translator (`otlptranslator`, with suffixes) builds them:
/// the name's runs of characters other than ASCII letters and digits become one `_`, the unit's Prometheus word is
/// appended when the name does not already contain it (`ms` → `_milliseconds`, `By` → `_bytes`, `1` on a gauge →
/// `_ratio`, `X/Y` → `_X_per_Y`, `{annotations}` dropped), and monotonic counters end in `_total`.
///
/// A name that is already a valid Prometheus name and has no unit is kept as it is (Prometheus text, remote write,
/// and OTLP that already follows Prometheus' conventions), except a JSON-API counter (stored as deltas), which gets
/// `_total` like any OpenTelemetry delta sum. Values are never converted: a `_milliseconds` series holds
/// milliseconds. docs/promql.md has the table of what each ingest path produces.
enum PrometheusNaming {
    /// The name PromQL sees for a stored counter or gauge, or the base name (before `_bucket`/`_sum`/`_count`) of a
    /// distribution.
    static func exposedName(_ info: SeriesInfo) -> String {
        let metric = info.key.metric
        let deltaCounter = info.kind == .counter && info.temporality == .delta
        if info.unit.isEmpty, !deltaCounter, isValidMetricName(metric) { return metric }
        var tokens = words(metric)
        if info.kind == .counter { tokens.removeAll { $0 == "total" } }
        for word in unitWords(info.unit, kind: info.kind) where !tokens.contains(word) {
            tokens.append(word)
        }
        if info.kind == .counter { tokens.append("total") }
        var name = tokens.joined(separator: "_")
        if name.isEmpty { name = "_" }
        if let first = name.unicodeScalars.first, ("0"..."9").contains(first) { name = "_" + name }
        return name
    }

    /// Names an equality matcher on `__name__` may use for this series besides the exposed one: the stored name
    /// (`{__name__="http.server.duration"}`) and the name without unit or `_total` suffix (`http_server_duration`).
    static func aliases(_ info: SeriesInfo) -> Set<String> {
        [info.key.metric, words(info.key.metric).joined(separator: "_")]
    }

    /// Label names: every character outside `[a-zA-Z0-9_]` becomes `_`, a leading digit gets `_` before it.
    static func labelName(_ name: String) -> String {
        var out = String(String.UnicodeScalarView(name.unicodeScalars.map { isWordCharacter($0) ? $0 : "_" }))
        if let first = out.unicodeScalars.first, ("0"..."9").contains(first) { out = "_" + out }
        return out.isEmpty ? "_" : out
    }

    static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { isWordCharacter($0) || $0 == ":" }
    }

    /// The Prometheus words of an OpenTelemetry (UCUM) unit.
    static func unitWords(_ unit: String, kind: MetricKind) -> [String] {
        var text = unit
        // `{requests}` and `By{packet}`: annotations carry no unit.
        while let open = text.firstIndex(of: "{"), let close = text[open...].firstIndex(of: "}") {
            text.removeSubrange(open...close)
        }
        text = text.trimmingSpaces
        if text.isEmpty { return [] }
        if text == "1" { return kind == .gauge ? ["ratio"] : [] }
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        var out = words(mainUnits[parts[0]] ?? parts[0])
        if parts.count == 2, !parts[1].isEmpty {
            out += ["per"] + words(perUnits[parts[1]] ?? mainUnits[parts[1]] ?? parts[1])
        }
        return out
    }

    /// Prometheus' `unitMap` (otlptranslator).
    static let mainUnits: [String: String] = [
        "d": "days", "h": "hours", "min": "minutes", "s": "seconds", "ms": "milliseconds", "us": "microseconds",
        "ns": "nanoseconds", "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes",
        "TiBy": "tibibytes", "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "TBy": "terabytes",
        "m": "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts", "g": "grams", "Cel": "celsius",
        "Hz": "hertz", "%": "percent",
    ]

    /// Prometheus' `perUnitMap`: the unit after `/`.
    static let perUnits: [String: String] = [
        "s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year",
    ]

    /// Runs of ASCII letters and digits (everything else separates words), as the translator splits names.
    static func words(_ text: String) -> [String] {
        text.unicodeScalars.split { !isAlphanumeric($0) }.map { String(String.UnicodeScalarView($0)) }
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool { isAlphanumeric(scalar) || scalar == "_" }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
