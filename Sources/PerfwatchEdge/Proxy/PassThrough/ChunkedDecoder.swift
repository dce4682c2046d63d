import NIOCore

/// Strict `Transfer-Encoding: chunked` framing of an upstream body (RFC 9112 §7.1), fed as bytes
/// arrive: hands out the data as slices (no copy), skips extensions and trailers (the full path
/// drops trailers too), and says where the body ends. Bare LF, a non-hex size, a size over 2^40 or
/// a trailer section over 16 KiB is malformed: the fast path closes both sides.
struct ChunkedDecoder {
    struct Malformed: Error, Equatable {
        let detail: String
    }

    private enum State {
        case size
        case extensionText
        case sizeLF
        case data(Int)
        case dataCR
        case dataLF
        /// At the start of a trailer line (or the final empty line).
        case trailerLineStart
        case trailerLine
        case trailerLF(last: Bool)
        case done
    }

    private var state = State.size
    private var size = 0
    private var sizeDigits = 0
    private var trailerBytes = 0
    static let maxTrailerBytes = 16 * 1024

    var isDone: Bool { if case .done = state { true } else { false } }

    /// Consumes from `buffer` up to the end of the body (bytes after it stay in `buffer`); `data` gets each piece of payload.
    mutating func feed(_ buffer: inout ByteBuffer, data: (ByteBuffer) -> Void) throws(Malformed) {
        while buffer.readableBytes > 0 {
            if case .data(let remaining) = state {
                let take = min(remaining, buffer.readableBytes)
                data(buffer.readSlice(length: take)!)
                state = remaining == take ? .dataCR : .data(remaining - take)
                continue
            }
            if case .done = state { return }
            let byte = buffer.readInteger(as: UInt8.self)!
            try step(byte)
        }
    }

    private mutating func step(_ byte: UInt8) throws(Malformed) {
        switch state {
        case .size:
            if let digit = Self.hex(byte) {
                sizeDigits += 1
                size = size << 4 | digit
                guard size < 1 << 40 else { throw Malformed(detail: "chunk size over 2^40") }
            } else if sizeDigits == 0 {
                throw Malformed(detail: "chunk size is not hexadecimal")
            } else if byte == HeadScanner.cr {
                state = .sizeLF
            } else if byte == UInt8(ascii: ";") || byte == 32 || byte == 9 {
                state = .extensionText
            } else {
                throw Malformed(detail: "chunk size is not hexadecimal")
            }
        case .extensionText:
            if byte == HeadScanner.cr { state = .sizeLF } else if byte == HeadScanner.lf { throw Malformed(detail: "bare LF after a chunk size") }
        case .sizeLF:
            guard byte == HeadScanner.lf else { throw Malformed(detail: "chunk size line not ended by CRLF") }
            if size == 0 {
                state = .trailerLineStart
            } else {
                state = .data(size)
            }
            size = 0
            sizeDigits = 0
        case .dataCR:
            guard byte == HeadScanner.cr else { throw Malformed(detail: "chunk data longer than its size") }
            state = .dataLF
        case .dataLF:
            guard byte == HeadScanner.lf else { throw Malformed(detail: "chunk data not ended by CRLF") }
            state = .size
        case .trailerLineStart:
            if byte == HeadScanner.cr {
                state = .trailerLF(last: true)
            } else {
                try countTrailer()
                state = byte == HeadScanner.lf ? .trailerLineStart : .trailerLine
                if byte == HeadScanner.lf { throw Malformed(detail: "bare LF in the trailer section") }
            }
        case .trailerLine:
            try countTrailer()
            if byte == HeadScanner.cr { state = .trailerLF(last: false) } else if byte == HeadScanner.lf { throw Malformed(detail: "bare LF in the trailer section") }
        case .trailerLF(let last):
            guard byte == HeadScanner.lf else { throw Malformed(detail: "trailer line not ended by CRLF") }
            state = last ? .done : .trailerLineStart
        case .data, .done:
            break
        }
    }

    private mutating func countTrailer() throws(Malformed) {
        trailerBytes += 1
        if trailerBytes > Self.maxTrailerBytes { throw Malformed(detail: "trailer section over \(Self.maxTrailerBytes) bytes") }
    }

    private static func hex(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte - 48)
        case 65...70: Int(byte - 55)
        case 97...102: Int(byte - 87)
        default: nil
        }
    }
}
