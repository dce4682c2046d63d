import HummingbirdCore
import NIOCore

/// The downstream request body, streamed to the upstream as it arrives, that fails with
/// `RequestBodyTooLarge` past `limit` bytes (a chunked body has no length to check up front).
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let body: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: RequestBody.AsyncIterator
        let limit: Int
        /// A body is iterated once, so the count lives in the iterator (no lock per chunk).
        var sent = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await inner.next() else { return nil }
            sent += chunk.readableBytes
            if sent > limit { throw RequestBodyTooLarge() }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: body.makeAsyncIterator(), limit: limit) }
}
