import Foundation
import PerfwatchHTTPClient
import PerfwatchModel

/// One statement per request to ClickHouse's HTTP interface, through the process's one outbound
/// client (`OutboundHTTP`). SELECTs go in the body with `wait_end_of_query=1`, so an error
/// raised while the answer is produced comes back as an error status, never as text appended
/// to a 200 answer; INSERTs carry the statement in the URL and the rows (RowBinary) in the body.
struct ClickHouseHTTP: Sendable {
    let location: ClickHouseLocation
    /// Over a whole exchange; ClickHouse answers our statements in well under this.
    var timeout: Duration = .seconds(60)
    /// Answers larger than this are refused rather than read in part.
    var maxAnswerBytes = 1 << 30

    /// Runs `sql` (DDL or a SELECT) and returns the answer's bytes.
    @discardableResult
    func execute(_ sql: String) async throws -> [UInt8] {
        try await send(parameters: [("wait_end_of_query", "1")], body: Array(sql.utf8), statement: sql)
    }

    /// Runs `INSERT … FORMAT RowBinary` with `rows` as its data.
    func insert(_ statement: String, rows: [UInt8]) async throws {
        _ = try await send(parameters: [("query", statement)], body: rows, statement: statement)
    }

    private func send(parameters: [(String, String)], body: [UInt8], statement: String) async throws -> [UInt8] {
        // Everything but letters and digits escaped: URLComponents would leave `+` (a space to
        // ClickHouse) and `&` alone.
        let url = location.httpBase + "?" + parameters.map { name, value in
            name + "=" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }.joined(separator: "&")
        var headers: [(String, String)] = [("Content-Type", "application/octet-stream")]
        if let user = location.user {
            let credentials = Data((user + ":" + (location.password ?? "")).utf8).base64EncodedString()
            headers.append(("Authorization", "Basic \(credentials)"))
        }
        let request = OutboundRequest(
            method: "POST", url: url, headers: headers, body: body, timeout: timeout, maxResponseBytes: maxAnswerBytes + 1)
        let response: OutboundResponse
        do {
            response = try await OutboundHTTP.send(request)
        } catch {
            throw PerfwatchError(.unavailable, "ClickHouse at \(location) is unreachable: \(error)", cause: error)
        }
        guard response.isSuccess else {
            throw PerfwatchError(
                .unavailable, "ClickHouse at \(location) answered \(response.status) to \(Self.summary(statement)): \(response.text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard response.body.count <= maxAnswerBytes else {
            throw PerfwatchError(.internal, "ClickHouse's answer to \(Self.summary(statement)) is larger than \(maxAnswerBytes) bytes")
        }
        return response.body
    }

    /// The statement's start, for messages (a SELECT may list thousands of series ids).
    static func summary(_ statement: String) -> String {
        let flat = statement.split(whereSeparator: \.isNewline).joined(separator: " ")
        return "`" + (flat.count > 120 ? String(flat.prefix(120)) + "…" : flat) + "`"
    }
}
