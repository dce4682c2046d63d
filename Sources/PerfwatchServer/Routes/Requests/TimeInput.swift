/// A time as a request gives it: unix ms, or text `TimeParsing` reads (RFC 3339, `now`, `-10m`,
/// `+2h`), resolved against the present by the route.
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
                TimeInput.self, .init(codingPath: decoder.codingPath, debugDescription: "must be unix ms or a time like RFC 3339, now, -10m or +2h"))
        }
    }
}
