import PerfwatchModel

/// `POST /api/v1/metrics`: how many points were stored, and each refused item by its index
/// in the request.
struct MetricsIngestReceipt: Encodable {
    let accepted: Int
    let rejected: [ItemRejection]
}

/// `POST /api/v1/import/prometheus`: samples stored and samples refused because their metric
/// exists with another kind. `skipped_non_finite` stays in the answer for clients that read it,
/// always 0: NaN and ±Inf samples are stored since issue 19.
struct PrometheusImportReceipt: Encodable {
    let accepted: Int
    let skippedNonFinite = 0
    let rejected: Int

    enum CodingKeys: String, CodingKey {
        case accepted
        case skippedNonFinite = "skipped_non_finite"
        case rejected
    }
}
