import CZlib
import PerfwatchModel

/// Inflates gzip (or zlib) bodies with a hard cap on the output, so a gzip bomb costs us at most
/// `limit` bytes of memory before it is refused.
public enum GzipInflater {
    public static func inflate(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        // zlib counts input in 32 bits; bodies are capped far below that, but the cap is the
        // caller's setting, so the conversion below must not trap on it.
        guard input.count <= Int(UInt32.max) else {
            throw PerfwatchError(.payloadTooLarge, "compressed body is larger than \(UInt32.max) bytes")
        }
        var stream = z_stream()
        // 32 + MAX_WBITS: detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 32 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw PerfwatchError(.internal, "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(input.count * 4, 4096)))
        let chunkSize = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { inputBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(inputBuffer.count)
            repeat {
                try buffer.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.next_out = outputBuffer.baseAddress
                    stream.avail_out = UInt32(chunkSize)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && stream.avail_in == 0) else {
                        throw PerfwatchError(.badRequest, "body is not valid gzip (zlib status \(status))")
                    }
                    let produced = chunkSize - Int(stream.avail_out)
                    guard output.count + produced <= limit else {
                        throw PerfwatchError(.payloadTooLarge, "body inflates to more than the limit of \(limit) bytes")
                    }
                    output.append(contentsOf: outputBuffer[0..<produced])
                }
                if status == Z_BUF_ERROR { break }
            } while status != Z_STREAM_END
        }
        guard status == Z_STREAM_END else {
            throw PerfwatchError(.badRequest, "gzip body is truncated")
        }
        return output
    }
}
