import Hummingbird
import PerfwatchModel

extension Request {
    /// The `from`/`to` parameters every read endpoint takes — unix ms, RFC 3339, `now` or
    /// relative like `-1h` — defaulting to the hour before `to`, which defaults to now.
    func timeRange(nowMs: Int64) throws -> (from: Int64, to: Int64) {
        let parameters = uri.queryParameters
        func time(_ name: String, default fallback: Int64) throws -> Int64 {
            guard let text = parameters[name[...]].map(String.init), !text.isEmpty else { return fallback }
            guard let value = TimeParsing.parseTime(text, nowMs: nowMs) else {
                throw PerfwatchError(.badRequest, "parameter '\(name)': '\(text)' is not unix ms, RFC 3339, 'now' or relative like -1h")
            }
            return value
        }
        let to = try time("to", default: nowMs)
        let from = try time("from", default: to - 3_600_000)
        guard from <= to else { throw PerfwatchError(.badRequest, "parameter 'from' (\(from)) is after 'to' (\(to))") }
        return (from, to)
    }
}
