"""Deterministic Prometheus text-exposition payload for the ingest benchmark.

Realistic shape: scrapes every 10 s of `series` series, half counters (HTTP request
counts incrementing by small random integers), the rest gauges (memory bytes in
4 KiB pages, integer queue depths, temperatures with one decimal), each sample with a
millisecond timestamp. The lines are split into request-sized chunks; each chunk is a
valid exposition on its own (one `# HELP`/`# TYPE` block per metric family, then that
family's samples).

    python3 Benchmarks/gen_prom.py --samples 1000000 --series 1000 --out /tmp/payload.prom
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass

STEP_MS = 10_000

FAMILIES = {
    # name: (type, help, share of series)
    "bench_http_requests_total": ("counter", "HTTP requests handled.", 0.5),
    "bench_memory_used_bytes": ("gauge", "Resident memory in bytes.", 0.2),
    "bench_queue_depth": ("gauge", "Jobs waiting in the queue.", 0.2),
    "bench_temperature_celsius": ("gauge", "Sensor temperature.", 0.1),
}
COUNTER_FAMILY = "bench_http_requests_total"
GAUGE_FAMILY = "bench_memory_used_bytes"


@dataclass
class Series:
    family: str
    labels: str  # rendered `{a="b",...}`
    value: float
    kind: str


@dataclass
class Payload:
    chunks: list[bytes]
    samples: int
    series: int
    start_ms: int
    end_ms: int
    counter_series: int
    gauge_series: int


def _make_series(n: int, rng: random.Random) -> list[Series]:
    out: list[Series] = []
    routes = ["/", "/login", "/courses", "/courses/:id", "/api/v1/users", "/api/v1/search", "/cart", "/checkout"]
    codes = ["200", "200", "200", "201", "304", "404", "500"]
    counts = {}
    remaining = n
    names = list(FAMILIES)
    for i, name in enumerate(names):
        counts[name] = remaining if i == len(names) - 1 else max(1, round(n * FAMILIES[name][2]))
        remaining -= counts[name]
    for name in names:
        kind = FAMILIES[name][0]
        for i in range(counts[name]):
            if name == "bench_http_requests_total":
                labels = (
                    f'{{service="svc-{i % 7}",route="{routes[i % len(routes)]}",'
                    f'code="{codes[(i // 8) % len(codes)]}",instance="host-{i:04d}"}}'
                )
                value = float(rng.randint(0, 100_000))
            elif name == "bench_memory_used_bytes":
                labels = f'{{instance="host-{i:04d}",job="node"}}'
                value = float(rng.randint(50_000, 4_000_000) * 4096)
            elif name == "bench_queue_depth":
                labels = f'{{queue="queue-{i:04d}",instance="host-{i % 50:04d}"}}'
                value = float(rng.randint(0, 40))
            else:
                labels = f'{{sensor="sensor-{i:04d}",zone="zone-{i % 5}"}}'
                value = round(rng.uniform(30.0, 70.0), 1)
            out.append(Series(name, labels, value, kind))
    return out


def _advance(s: Series, rng: random.Random) -> None:
    if s.family == "bench_http_requests_total":
        s.value += rng.randint(0, 12)
    elif s.family == "bench_memory_used_bytes":
        s.value = max(4096.0, s.value + rng.randint(-256, 256) * 4096)
    elif s.family == "bench_queue_depth":
        s.value = float(max(0, int(s.value) + rng.randint(-3, 3)))
    else:
        s.value = round(min(95.0, max(20.0, s.value + rng.choice((-0.3, -0.2, -0.1, 0.0, 0.0, 0.1, 0.2, 0.3)))), 1)


def _fmt(v: float) -> str:
    return str(int(v)) if v == int(v) else repr(v)


def generate(samples: int, series: int, chunk_lines: int = 10_000, end_ms: int | None = None, seed: int = 20241122) -> Payload:
    """`samples` is rounded down to a multiple of `series` (points per series)."""
    if series < len(FAMILIES):
        raise ValueError(f"need at least {len(FAMILIES)} series")
    points = samples // series
    if points < 2:
        raise ValueError("need at least two points per series")
    rng = random.Random(seed)
    all_series = _make_series(series, rng)
    if end_ms is None:
        end_ms = (int(time.time() * 1000) - 60_000) // 1000 * 1000
    start_ms = end_ms - (points - 1) * STEP_MS
    scrapes_per_chunk = max(1, chunk_lines // series)
    by_family: dict[str, list[Series]] = {}
    for s in all_series:
        by_family.setdefault(s.family, []).append(s)

    chunks: list[bytes] = []
    if chunk_lines >= series:
        # Each chunk: several whole scrapes, grouped by family.
        for first in range(0, points, scrapes_per_chunk):
            ts_list = [start_ms + p * STEP_MS for p in range(first, min(points, first + scrapes_per_chunk))]
            per_family: dict[str, list[str]] = {f: [] for f in by_family}
            for ts in ts_list:
                for s in all_series:
                    per_family[s.family].append(f"{s.family}{s.labels} {_fmt(s.value)} {ts}")
                    _advance(s, rng)
            chunks.append(_render(per_family))
    else:
        # Fewer lines than one scrape per chunk: split each scrape into pieces.
        for p in range(points):
            ts = start_ms + p * STEP_MS
            for first in range(0, series, chunk_lines):
                per_family = {}
                for s in all_series[first : first + chunk_lines]:
                    per_family.setdefault(s.family, []).append(f"{s.family}{s.labels} {_fmt(s.value)} {ts}")
                    _advance(s, rng)
                chunks.append(_render(per_family))
    return Payload(
        chunks=chunks,
        samples=points * series,
        series=series,
        start_ms=start_ms,
        end_ms=start_ms + (points - 1) * STEP_MS,
        counter_series=len(by_family[COUNTER_FAMILY]),
        gauge_series=series - len(by_family[COUNTER_FAMILY]),
    )


def _render(per_family: dict[str, list[str]]) -> bytes:
    parts = []
    for family, lines in per_family.items():
        if not lines:
            continue
        kind, help_text, _ = FAMILIES[family]
        parts.append(f"# HELP {family} {help_text}\n# TYPE {family} {kind}\n")
        parts.append("\n".join(lines))
        parts.append("\n")
    return "".join(parts).encode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=1_000_000)
    ap.add_argument("--series", type=int, default=1_000)
    ap.add_argument("--chunk-lines", type=int, default=10_000)
    ap.add_argument("--out", required=True, help="file to write (all chunks concatenated)")
    args = ap.parse_args()
    p = generate(args.samples, args.series, args.chunk_lines)
    with open(args.out, "wb") as f:
        for c in p.chunks:
            f.write(c)
    print(f"{p.samples} samples, {p.series} series, {len(p.chunks)} chunks -> {args.out}")


if __name__ == "__main__":
    main()
