import Hummingbird
import PerfwatchModel
import PerfwatchPromQL

/// Prometheus' HTTP API over any `PromSeriesSource & PromSeriesCatalog`, one function per endpoint, from parsed
/// parameters to the finished response (so tests drive it with a slow or huge source without a server).
struct PromAPIHandlers: Sendable {
    let source: any PromSeriesSource & PromSeriesCatalog
    let settings: PromQLSettings
    let grid: SketchBucketGrid?
    let nowMs: @Sendable () -> Int64

    init(
        source: any PromSeriesSource & PromSeriesCatalog, settings: PromQLSettings, grid: SketchBucketGrid? = SketchBucketSeries.defaultGrid,
        nowMs: @escaping @Sendable () -> Int64 = { TimeParsing.nowMs() }
    ) {
        self.source = source
        self.settings = settings
        self.grid = grid
        self.nowMs = nowMs
    }

    /// Runs `body`, answering any failure in Prometheus' error envelope.
    static func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as PromAPIError {
            return PromAPIJSON.error(error)
        } catch let error as PromQLError {
            return PromAPIJSON.error(PromAPIError(error))
        } catch let error as PerfwatchError {
            // Body limits and overload from the shared request readers.
            let type = error.code == .overloaded ? "unavailable" : (error.code == .internal ? "internal" : "bad_data")
            return PromAPIJSON.error(PromAPIError(type: type, message: error.message))
        } catch {
            return PromAPIJSON.error(.internalError("\(error)"))
        }
    }

    /// The engine with the configured limits; a `timeout` parameter can only shorten the configured one.
    private func engine(_ parameters: PromAPIParameters) throws(PromAPIError) -> PromQLEngine {
        let requested = try parameters.duration("timeout").flatMap { $0 > 0 ? $0 : nil }
        return PromQLEngine(source: source, options: settings.engineOptions(timeoutMs: requested, grid: grid))
    }

    private func parsedQuery(_ parameters: PromAPIParameters) throws -> Expr {
        let text = parameters.first("query") ?? ""
        do {
            return try PromQLParser.parse(text)
        } catch let error as PromQLError {
            throw PromAPIError(error)
        }
    }

    // MARK: /api/v1/query, /api/v1/query_range

    func instantQuery(_ parameters: PromAPIParameters) async throws -> Response {
        let atMs = try parameters.time("time", fallback: nowMs())
        let engine = try engine(parameters)
        let expr = try parsedQuery(parameters)
        let value = try await engine.evaluate(expr, atMs: atMs)
        try checkSeriesLimit(value)
        return PromAPIJSON.success(data: PromAPIJSON.result(value))
    }

    func rangeQuery(_ parameters: PromAPIParameters) async throws -> Response {
        guard let startText = parameters.first("start"), let startMs = PromAPIParameters.parseTime(startText) else {
            throw PromAPIError.badData("invalid parameter \"start\": cannot parse \"\(parameters.first("start") ?? "")\" to a valid timestamp")
        }
        guard let endText = parameters.first("end"), let endMs = PromAPIParameters.parseTime(endText) else {
            throw PromAPIError.badData("invalid parameter \"end\": cannot parse \"\(parameters.first("end") ?? "")\" to a valid timestamp")
        }
        guard endMs >= startMs else { throw PromAPIError.badData("invalid parameter \"end\": end timestamp must not be before start time") }
        guard let stepMs = try parameters.duration("step") else {
            throw PromAPIError.badData("invalid parameter \"step\": cannot parse \"\" to a valid duration")
        }
        guard stepMs > 0 else {
            throw PromAPIError.badData("invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        let engine = try engine(parameters)
        let expr = try parsedQuery(parameters)
        let value = try await engine.evaluate(expr, startMs: startMs, endMs: endMs, stepMs: stepMs)
        try checkSeriesLimit(value)
        return PromAPIJSON.success(data: PromAPIJSON.result(value))
    }

    /// `promql.max_series`: counted before encoding, so a huge answer is refused rather than built.
    private func checkSeriesLimit(_ value: PromValue) throws(PromAPIError) {
        let count: Int
        switch value {
        case .vector(let elements): count = elements.count
        case .matrix(let series): count = series.count
        case .scalar, .string: count = 1
        }
        if count > settings.maxSeries { throw seriesLimitError(count) }
    }

    private func seriesLimitError(_ count: Int) -> PromAPIError {
        .execution("query returned \(count) series, more than the limit of \(settings.maxSeries) (promql.max_series); narrow the selector or aggregate")
    }

    // MARK: /api/v1/labels, /api/v1/label/<name>/values, /api/v1/series

    /// `match[]` selectors as matcher sets; each must be a plain instant-vector selector.
    func matcherSets(_ parameters: PromAPIParameters) throws -> [[LabelMatcher]] {
        try parameters.all("match[]").map { text in
            let expr: Expr
            do {
                expr = try PromQLParser.parse(text)
            } catch let error as PromQLError {
                throw PromAPIError.badData("invalid parameter \"match[]\": \(error.description)")
            }
            guard case .vectorSelector(let selector) = expr else {
                throw PromAPIError.badData("invalid parameter \"match[]\": \(text) is not an instant vector selector")
            }
            return selector.matchers
        }
    }

    private func window(_ parameters: PromAPIParameters) throws(PromAPIError) -> (Int64, Int64) {
        let from = try parameters.time("start", fallback: PromAPIParameters.minTimeMs)
        let to = try parameters.time("end", fallback: PromAPIParameters.maxTimeMs)
        guard to >= from else { throw PromAPIError.badData("invalid parameter \"end\": end timestamp must not be before start time") }
        return (from, to)
    }

    private func limitedLabelSets(_ parameters: PromAPIParameters) async throws -> [PerfwatchPromQL.Labels] {
        let (from, to) = try window(parameters)
        return try await source.labelSets(matching: try matcherSets(parameters), fromMs: from, toMs: to)
    }

    func labelNames(_ parameters: PromAPIParameters) async throws -> Response {
        var names = Set<String>()
        for labels in try await limitedLabelSets(parameters) {
            for pair in labels.pairs { names.insert(pair.name) }
        }
        return PromAPIJSON.success(data: PromAPIJSON.stringArray(names.sorted()))
    }

    func labelValues(_ name: String, _ parameters: PromAPIParameters) async throws -> Response {
        guard PrometheusNaming.labelName(name) == name else {
            throw PromAPIError.badData("invalid label name: \"\(name)\"")
        }
        var values = Set<String>()
        for labels in try await limitedLabelSets(parameters) {
            if let value = labels[name] { values.insert(value) }
        }
        return PromAPIJSON.success(data: PromAPIJSON.stringArray(values.sorted()))
    }

    func series(_ parameters: PromAPIParameters) async throws -> Response {
        guard parameters.has("match[]") else { throw PromAPIError.badData("no match[] parameter provided") }
        let sets = try await limitedLabelSets(parameters)
        if sets.count > settings.maxSeries { throw seriesLimitError(sets.count) }
        return PromAPIJSON.success(data: PromAPIJSON.labelSets(Array(Set(sets)).sorted()))
    }

    // MARK: /api/v1/metadata, /api/v1/status/buildinfo, /api/v1/query_exemplars

    func metadata(_ parameters: PromAPIParameters) async throws -> Response {
        var entries = try await source.metadata()
        if let metric = parameters.first("metric"), !metric.isEmpty { entries = entries.filter { $0.key == metric } }
        var names = entries.keys.sorted()
        if let limitText = parameters.first("limit"), !limitText.isEmpty {
            guard let limit = Int(limitText) else { throw PromAPIError.badData("limit must be a number") }
            if limit >= 0 { names = Array(names.prefix(limit)) }
        }
        var out = "{"
        for (index, name) in names.enumerated() {
            let entry = entries[name]!
            if index > 0 { out += "," }
            JSONString.append(name, to: &out)
            out += ":[{\"type\":"
            JSONString.append(entry.type, to: &out)
            out += ",\"help\":"
            JSONString.append(entry.help, to: &out)
            out += ",\"unit\":"
            JSONString.append(entry.unit, to: &out)
            out += "}]"
        }
        return PromAPIJSON.success(data: out + "}")
    }

    /// Grafana reads `version` to decide which Prometheus features it may use: it is the API level Perfwatch
    /// speaks (Prometheus 2.42, the engine's reference); `revision`/`branch` say which server it really is.
    static func buildInfo() -> Response {
        let out = "{\"version\":\"2.42.0\",\"revision\":\"perfwatch\"" + ",\"branch\":\"perfwatch\",\"buildUser\":\"perfwatch\",\"buildDate\":\"\",\"goVersion\":\"none (Perfwatch, Swift)\"}"
        return PromAPIJSON.success(data: out)
    }
}
