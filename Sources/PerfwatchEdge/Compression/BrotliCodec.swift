import CBrotli

/// Brotli over libbrotli, one call each way.
public enum BrotliCodec {
    /// Quality 5 for on-the-fly compression: on the dashboard's JavaScript (201 KB) it runs at the
    /// speed of gzip -6 (~13 ms) and writes 6% less; quality 11 writes 11% less again but is ~50x
    /// slower (docs/edge.md, "Compression").
    public static let onTheFlyQuality: Int32 = 5

    public static func compress(_ input: [UInt8], quality: Int32 = onTheFlyQuality) -> [UInt8] {
        var size = BrotliEncoderMaxCompressedSize(input.count)
        // 0 means "too large to bound"; the edge buffers far less than that.
        precondition(size > 0, "brotli input too large")
        var output = [UInt8](repeating: 0, count: size)
        let ok = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, source.count, source.baseAddress,
                                      &size, destination.baseAddress)
            }
        }
        precondition(ok == BROTLI_TRUE, "brotli compression failed")
        return Array(output[0..<size])
    }

    public enum DecodeError: Error, Equatable { case invalid, truncated, tooLarge }

    /// Decompresses with a hard cap on the output (a brotli bomb costs at most `limit` bytes).
    public static func decompress(_ input: [UInt8], limit: Int) throws(DecodeError) -> [UInt8] {
        guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else { preconditionFailure("cannot create a brotli decoder") }
        defer { BrotliDecoderDestroyInstance(state) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var result = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT
        input.withUnsafeBufferPointer { source in
            var availableIn = source.count
            var nextIn = source.baseAddress
            while result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT, output.count <= limit {
                let produced = chunk.withUnsafeMutableBufferPointer { destination in
                    var availableOut = destination.count
                    var nextOut = destination.baseAddress
                    result = BrotliDecoderDecompressStream(state, &availableIn, &nextIn, &availableOut, &nextOut, nil)
                    return destination.count - availableOut
                }
                output.append(contentsOf: chunk[0..<produced])
            }
        }
        guard output.count <= limit else { throw .tooLarge }
        switch result {
        case BROTLI_DECODER_RESULT_SUCCESS: return output
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: throw .truncated
        default: throw .invalid
        }
    }
}
