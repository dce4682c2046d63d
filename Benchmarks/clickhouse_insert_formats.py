#!/usr/bin/env python3
"""Which insert format the ClickHouse store uses (issue 18): RowBinary vs TabSeparated vs JSONEachRow.

Starts a private ClickHouse (Debian's 18.16, scripts/start_clickhouse.sh) on free ports in a temporary
directory, creates the store's `samples` table (the same DDL as ClickHouseSchema), and inserts the same
rows — batches of 5,000 (series_id, ts, value) like a group commit — in each format, one statement per
HTTP request as the store does. Prints, per format: rows/s (wall), rows per server CPU-second (from
/proc/<server pid>/stat), bytes sent per row, and how many values read back bit-exact (read through
RowBinary); then each text format's ratio against RowBinary.

    python3 Benchmarks/clickhouse_insert_formats.py [--smoke]
"""
import argparse
import json
import os
import random
import shutil
import struct
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 5000


def server_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post(base: str, query: str, body: bytes = b"") -> bytes:
    url = base + "?" + urllib.parse.urlencode({"query": query}) if body else base
    data = body if body else query.encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=300) as response:
        return response.read()


def encode(rows, fmt: str) -> bytes:
    if fmt == "RowBinary":
        return b"".join(struct.pack("<qqd", s, t, v) for s, t, v in rows)
    if fmt == "TabSeparated":
        return "".join(f"{s}\t{t}\t{v!r}\n" for s, t, v in rows).encode()
    return "".join(json.dumps({"series_id": s, "ts": t, "value": v}) + "\n" for s, t, v in rows).encode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="50k rows per format (CI checks it runs)")
    parser.add_argument("--rounds", type=int, default=3, help="each format this many times, interleaved; the best round counts")
    args = parser.parse_args()
    total = 50_000 if args.smoke else 500_000
    rng = random.Random(18)
    rows = [(rng.randrange(1, 2000), 1_764_547_200_000 + i * 10, rng.uniform(-1e6, 1e6) * rng.choice([1, 1e-9, 1e9]))
            for i in range(total)]
    directory = tempfile.mkdtemp(prefix="perfwatch-ch-bench-")
    started = subprocess.run(["bash", os.path.join(ROOT, "scripts/start_clickhouse.sh"), "--dir", directory],
                             check=True, capture_output=True, text=True)
    location = started.stdout.strip().splitlines()[-1]
    port = location.split(":")[2].split("/")[0]
    base = f"http://127.0.0.1:{port}/"
    with open(os.path.join(directory, "clickhouse.pid")) as handle:
        pid = int(handle.read())
    results = {}
    try:
        post(base, "SELECT version()")
        # Warm-up (first connection, first table, first parts): not counted for any format.
        post(base, "CREATE DATABASE IF NOT EXISTS bench")
        post(base, "CREATE TABLE bench.warmup (series_id Int64, ts Int64, value Float64) ENGINE = MergeTree ORDER BY ts")
        for fmt in ["RowBinary", "TabSeparated", "JSONEachRow"]:
            post(base, f"INSERT INTO bench.warmup (series_id, ts, value) FORMAT {fmt}", encode(rows[:BATCH], fmt))
        # Interleaved rounds, the best of each kept: the machine is shared, and background merges of
        # one format's parts must not be billed to whichever format runs next.
        for round_index, fmt in [(r, f) for r in range(1 if args.smoke else args.rounds) for f in ["RowBinary", "TabSeparated", "JSONEachRow"]]:
            table = f"bench.samples_{fmt.lower()}_{round_index}"
            post(base, f"CREATE TABLE {table} (series_id Int64, ts Int64, value Float64) "
                       "ENGINE = MergeTree PARTITION BY intDiv(ts, 86400000) ORDER BY (series_id, ts)")
            bodies = [encode(rows[i:i + BATCH], fmt) for i in range(0, total, BATCH)]
            cpu_before = server_cpu_seconds(pid)
            wall_before = time.perf_counter()
            for body in bodies:
                post(base, f"INSERT INTO {table} (series_id, ts, value) FORMAT {fmt}", body)
            wall = time.perf_counter() - wall_before
            cpu = server_cpu_seconds(pid) - cpu_before
            answer = post(base, f"SELECT value FROM {table} ORDER BY ts FORMAT RowBinary")
            stored = struct.unpack(f"<{len(answer) // 8}d", answer)
            exact = sum(1 for got, (_, _, want) in zip(stored, rows) if struct.pack("<d", got) == struct.pack("<d", want))
            result = {"rows_per_s": total / wall, "rows_per_cpu_s": total / max(cpu, 1e-3),
                      "bytes_per_row": sum(map(len, bodies)) / total, "exact": exact}
            best = results.get(fmt)
            if best is None or result["rows_per_cpu_s"] > best["rows_per_cpu_s"]:
                results[fmt] = result
            post(base, f"DROP TABLE {table}")
    finally:
        subprocess.run(["kill", str(pid)], check=False)
        time.sleep(1)
        shutil.rmtree(directory, ignore_errors=True)
    print(f"ClickHouse 18.16 inserts, {total} sample rows in batches of {BATCH}, one statement per request")
    print(f"{'format':<13} {'rows/s':>10} {'rows/server CPU-s':>18} {'bytes/row':>10} {'bit-exact values':>17}")
    for fmt, r in results.items():
        print(f"{fmt:<13} {r['rows_per_s']:>10.0f} {r['rows_per_cpu_s']:>18.0f} {r['bytes_per_row']:>10.1f} {r['exact']:>10}/{total}")
    reference = results["RowBinary"]
    for fmt in ["TabSeparated", "JSONEachRow"]:
        r = results[fmt]
        print(f"ratio RowBinary/{fmt}: rows/s {reference['rows_per_s'] / r['rows_per_s']:.2f}x, "
              f"rows per server CPU-s {reference['rows_per_cpu_s'] / r['rows_per_cpu_s']:.2f}x, "
              f"bytes/row {r['bytes_per_row'] / reference['bytes_per_row']:.2f}x smaller")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
