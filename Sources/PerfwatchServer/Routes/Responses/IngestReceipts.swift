import PerfwatchModel

/// `POST /api/v1/metrics`: how many points were stored, and each refused item by its index
/// in the request.
struct MetricsIngestReceipt: Encodable {
    let accepted: Int
    let rejected: [ItemRejection]
}

/// `POST /api/v1/import/prometheus`: samples stored, samples skipped because they were NaN or
/// infinite, and samples refused because their metric exists with another kind.
struct PrometheusImportReceipt: Encodable {
    let accepted: Int
    let skippedNonFinite: Int
    let rejected: Int

    enum CodingKeys: String, CodingKey {
        case accepted
        case skippedNonFinite = "skipped_non_finite"
        case rejected
    }
}
