import Hummingbird
import PerfwatchIngest
import PerfwatchModel

extension Request {
    /// A small JSON request body decoded into `T` (the one way for API request bodies; ingest keeps
    /// its own streaming parsers). Refusals name the field: `silence: 'duration' must be a string,
    /// not a number`; unknown fields are refused with the valid ones listed.
    func decodedBody<T: Decodable>(as type: T.Type, what: String, limit: Int = 64 * 1024, rejectUnknownFields: Bool = true) async throws -> T {
        var request = self
        let bytes = try await request.bodyBytes(limit: limit)
        return try JSONValueDecoder(what: what, rejectUnknownFields: rejectUnknownFields).decode(type, from: bytes)
    }
}
