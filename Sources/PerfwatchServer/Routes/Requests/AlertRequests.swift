/// `POST /api/v1/alerts/:id/ack`.
struct AcknowledgementRequest: Decodable {
    /// Who acknowledges; must not be empty.
    let by: String
    let comment: String?
}

/// `POST /api/v1/silences`: `endsAt` or `duration` (default: ends at once, which validation refuses).
struct SilenceRequest: Decodable {
    let matchers: [String]?
    let startsAt: TimeInput?
    let endsAt: TimeInput?
    let duration: String?
    let createdBy: String?
    let comment: String?
}
