import HummingbirdCore
import NIOCore
import Synchronization

/// The downstream request body, streamed to the upstream as it arrives, that fails with
/// `RequestBodyTooLarge` past `limit` bytes (a chunked body has no length to check up front)
/// and counts what went through.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let body: RequestBody
    let limit: Int
    let sent: Counter

    final class Counter: Sendable {
        private let bytes = Mutex(0)
        var value: Int { bytes.withLock { $0 } }
        func add(_ count: Int) -> Int { bytes.withLock { $0 += count; return $0 } }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: RequestBody.AsyncIterator
        let limit: Int
        let sent: Counter

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await inner.next() else { return nil }
            if sent.add(chunk.readableBytes) > limit { throw RequestBodyTooLarge() }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: body.makeAsyncIterator(), limit: limit, sent: sent) }
}
