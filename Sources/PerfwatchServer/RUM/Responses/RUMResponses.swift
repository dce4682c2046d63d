import PerfwatchStorage

/// `GET /api/v1/rum/setup`: the browser key, the snippet to paste and the allowed origins.
struct RUMSetup: Encodable {
    let key: String
    let snippet: String
    let origins: [String]
}

/// `GET /api/v1/errors`: browser errors grouped by fingerprint.
struct RUMErrorsResponse: Encodable {
    let from: Int64
    let to: Int64
    let errors: [RUMErrorGroup]
}
