import Foundation
internal import PerfwatchHTTPClient

/// Pushes a finished run to a Perfwatch server: `POST {server}/api/v1/load-runs` with the
/// report JSON as body (contract in docs/formats/load-run.md), `Authorization: Bearer KEY` when given.
/// Goes through the process's shared HTTP client (`OutboundHTTP`), not the load generator's.
public enum ReportUploader {
    /// - Returns: the server's response body (the stored run, as the server describes it).
    /// - Throws: ``LoadError`` `.upload` naming the status or the connection problem.
    public static func push(_ report: LoadReport, server: String, apiKey: String? = nil, timeout: Duration = .seconds(10)) async throws(LoadError) -> String {
        let target = try LoadTarget(url: server, field: "--server")
        let url = "\(target.description)/api/v1/load-runs"
        let response: OutboundResponse
        do {
            response = try await OutboundHTTP.send(
                .perfwatchAPI("POST", url, body: Array(report.json()), contentType: "application/json", apiKey: apiKey, timeout: timeout))
        } catch {
            throw LoadError(.upload, "cannot push the run to \(url): \(error)")
        }
        guard response.isSuccess else {
            throw LoadError(.upload, "the server answered \(response.status) to POST \(url): \(response.text.prefix(500))")
        }
        return response.text
    }
}
