import CSnappy
public import PerfwatchModel

/// Snappy's block format (not the framed one) over libsnappy, as Prometheus remote write sends it.
/// The uncompressed length is read from the block's header first and checked against the cap
/// before any output is allocated, so a small body claiming gigabytes costs nothing.
public enum SnappyBlock {
    public static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var length = 0
        let status = input.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { snappy_uncompressed_length($0.baseAddress, $0.count, &length) }
        }
        guard status == SNAPPY_OK else {
            throw PerfwatchError(.badRequest, "body is not a snappy block (corrupt length header)")
        }
        guard length <= limit else {
            throw PerfwatchError(.payloadTooLarge, "snappy body decompresses to \(length) bytes, more than the limit of \(limit) bytes")
        }
        guard length > 0 else {
            // Nothing to write into (an empty array has no buffer address); the block must still be whole.
            guard input.count == 1 else { throw PerfwatchError(.badRequest, "body is not a valid snappy block (corrupt data)") }
            return []
        }
        var output = [UInt8](repeating: 0, count: length)
        var produced = length
        let result = input.withUnsafeBufferPointer { inputBuffer in
            inputBuffer.withMemoryRebound(to: CChar.self) { source in
                output.withUnsafeMutableBufferPointer { outputBuffer in
                    outputBuffer.withMemoryRebound(to: CChar.self) { target in
                        snappy_uncompress(source.baseAddress, source.count, target.baseAddress, &produced)
                    }
                }
            }
        }
        guard result == SNAPPY_OK, produced == length else {
            throw PerfwatchError(.badRequest, "body is not a valid snappy block (corrupt data)")
        }
        return output
    }

    /// For tests, benchmarks and the fuzz target's seeds.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var length = snappy_max_compressed_length(input.count)
        var output = [UInt8](repeating: 0, count: length)
        let status = input.withUnsafeBufferPointer { inputBuffer in
            inputBuffer.withMemoryRebound(to: CChar.self) { source in
                output.withUnsafeMutableBufferPointer { outputBuffer in
                    outputBuffer.withMemoryRebound(to: CChar.self) { target in
                        snappy_compress(source.baseAddress, source.count, target.baseAddress, &length)
                    }
                }
            }
        }
        precondition(status == SNAPPY_OK, "snappy_compress failed with an output of max_compressed_length")
        output.removeLast(output.count - length)
        return output
    }
}
