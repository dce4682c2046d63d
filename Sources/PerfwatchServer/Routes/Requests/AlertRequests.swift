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

/// A time as a request gives it: unix ms, or text `TimeParsing` reads (RFC 3339, `now`, `+2h`),
/// resolved against the present by the route.
enum TimeInput: Decodable {
    case unixMs(Double)
    case text(String)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let ms = try? container.decode(Double.self) {
            self = .unixMs(ms)
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            throw DecodingError.typeMismatch(
                TimeInput.self, .init(codingPath: decoder.codingPath, debugDescription: "must be unix ms, RFC 3339 or relative like +2h"))
        }
    }
}
