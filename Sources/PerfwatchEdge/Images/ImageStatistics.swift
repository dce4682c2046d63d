/// What the edge's image transforms did since it started (the report's and `/status`'s `images`).
public struct ImageStatistics: Encodable, Sendable, Equatable {
    /// Variants made and sent.
    public var transcoded = 0
    /// Originals sent instead, by reason: not decodable (corrupt, not an image), over the rule's
    /// pixel or byte cap, every transcode slot busy, or a variant no smaller than the original.
    public var undecodable = 0
    public var tooLarge = 0
    public var busy = 0
    public var notSmaller = 0
    /// Body bytes into and out of the transcodes that were sent.
    public var bytesIn = 0
    public var bytesOut = 0

    enum CodingKeys: String, CodingKey {
        case transcoded, undecodable, tooLarge = "too_large", busy, notSmaller = "not_smaller", bytesIn = "bytes_in", bytesOut = "bytes_out"
    }
}
