"""Raw reads of a stopped Perfwatch data directory: every counter/gauge sample of a metric, with
its value's exact bits, decoded from the chunks (docs/formats/sample-chunk.md) in `perfwatch.sqlite`.

The legacy `/api/v1/query?metric=` statistics skip NaN and ±Inf, so the remote write and scrape
tests read the store itself to check that NaN gauges and Prometheus' stale markers arrived bit
for bit. Only for tests: a second reader of the format, written from the document.
"""

from __future__ import annotations

import json
import pathlib
import sqlite3
import struct


class _Bits:
    def __init__(self, data: bytes, start: int) -> None:
        self.value = int.from_bytes(data[start:], "big")
        self.length = (len(data) - start) * 8
        self.position = 0

    def read(self, count: int) -> int:
        if count == 0:
            return 0
        if self.position + count > self.length:
            raise ValueError("truncated chunk")
        shift = self.length - self.position - count
        self.position += count
        return (self.value >> shift) & ((1 << count) - 1)


def _signed(raw: int, bits: int) -> int:
    return raw - (1 << bits) if raw & (1 << (bits - 1)) else raw


def _bucketed(bits: _Bits) -> int:
    for prefix_bits, width in ((1, None), (2, 7), (3, 14), (4, 24)):
        if width is None:
            if bits.read(1) == 0:
                return 0
            continue
        if bits.read(1) == 0:
            return _signed(bits.read(width), width) + 1
    return _signed(bits.read(64), 64)


def _value_bucket(bits: _Bits, base: int) -> int:
    prefix = 0
    while prefix < 4 and bits.read(1) == 1:
        prefix += 1
    if prefix == 0:
        return 0
    if prefix < 4:
        width = prefix * base
        return _signed(bits.read(width), width) + 1
    return _signed(bits.read(64), 64)


def decode_chunk(data: bytes) -> list[tuple[int, int]]:
    """(time ms, value as its 64-bit pattern) for each sample of one chunk."""
    version, encoding, exponent, shift, mode, base = data[:6]
    assert version == 1, f"chunk format {version}"
    count, position, offset = 0, 6, 0
    while True:
        byte = data[position]
        position += 1
        count |= (byte & 0x7F) << offset
        offset += 7
        if byte < 0x80:
            break
    bits = _Bits(data, position)
    samples: list[tuple[int, int]] = []
    time = delta = 0
    value_bits = leading = trailing = 0
    integer = integer_delta = 0
    for index in range(count):
        if index == 0:
            time = _signed(bits.read(64), 64)
        else:
            delta += _bucketed(bits)
            time += delta
        if encoding == 1:
            if index == 0:
                integer = _signed(bits.read(64), 64)
            else:
                coded = _value_bucket(bits, base)
                integer_delta = coded if mode == 0 else integer_delta + coded
                integer += integer_delta
            value = float(integer << shift) / (10 ** exponent)
            samples.append((time, struct.unpack("<Q", struct.pack("<d", value))[0]))
        else:
            if index == 0:
                value_bits = bits.read(64)
            elif bits.read(1) == 1:
                if bits.read(1) == 1:
                    leading = bits.read(5)
                    meaningful = bits.read(6) or 64
                    trailing = 64 - leading - meaningful
                meaningful = 64 - leading - trailing
                value_bits ^= bits.read(meaningful) << trailing
            samples.append((time, value_bits))
    return samples


def bits_to_float(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def read_series(data_dir: str | pathlib.Path, metric: str) -> dict[tuple, list[tuple[int, int]]]:
    """Sorted label pairs → [(time ms, value bits)] sorted by time, for every series of `metric`."""
    database = sqlite3.connect(f"file:{pathlib.Path(data_dir) / 'perfwatch.sqlite'}?mode=ro", uri=True)
    try:
        result: dict[tuple, list[tuple[int, int]]] = {}
        for series_id, labels in database.execute("SELECT id, labels FROM series WHERE metric = ?", (metric,)):
            samples: list[tuple[int, int]] = []
            for (data,) in database.execute(
                "SELECT data FROM sample_chunks WHERE series_id = ? UNION ALL SELECT data FROM open_sample_chunks WHERE series_id = ?",
                (series_id, series_id),
            ):
                samples += decode_chunk(bytes(data))
            result[tuple(sorted(json.loads(labels).items()))] = sorted(samples)
        return result
    finally:
        database.close()
