import PerfwatchIngest

/// Gzip-compresses bytes, for tests that send `Content-Encoding: gzip`.
public func gzipCompress(_ input: [UInt8]) -> [UInt8] { GzipDeflater.gzip(input) }
