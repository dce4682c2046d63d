import PerfwatchModel

/// A series' id in ClickHouse: FNV-1a (64 bit) of its canonical key, `metric{k=v,…}`. Stable
/// across nodes and restarts without a sequence to coordinate, so every `serve` node writing the
/// same series writes the same id. Two keys sharing a 64-bit hash are not expected below
/// billions of series; the catalog would then treat them as one (docs/formats/clickhouse.md).
enum SeriesIdentity {
    static func id(of key: SeriesKey) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.canonical.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}
