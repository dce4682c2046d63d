"""A deterministic (seeded) set of Prometheus series over a past window, rendered for every peer.

The same samples go to real Prometheus (OpenMetrics text with second timestamps, for `promtool tsdb
create-blocks-from openmetrics`), to VictoriaMetrics and to Perfwatch (the text exposition with millisecond
timestamps, for their `/api/v1/import/prometheus`). The shapes are the ones PromQL cares about: counters with
resets, gauges (some negative, one with a gap longer than the 5-minute lookback), classic histograms
(`_bucket{le}`, `_sum`, `_count`), an info-style series for `group_left`, several jobs/instances/routes, and
sample times with millisecond jitter (so `rate`'s extrapolation is exercised).

NaN and ±Inf samples are left out on purpose: Perfwatch's Prometheus import skips non-finite values until it
stores them as Prometheus does (issue 19, "values as Prometheus has them").
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Iterator, TextIO

SEED = 19
BUCKET_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5]
JOBS = {"api": ["api-1:9100", "api-2:9100"], "web": ["web-1:9100", "web-2:9100"]}
ROUTES = ["/", "/login", "/search"]
CODES = ["200", "500"]


@dataclass
class Series:
    name: str
    labels: dict[str, str]
    family: str  # the OpenMetrics family the sample line belongs to
    kind: str  # counter | gauge | histogram (its type line)
    samples: list[tuple[int, float]] = field(default_factory=list)  # (ms, value), ascending


@dataclass
class Dataset:
    start_ms: int
    end_ms: int
    step_ms: int
    series: list[Series]

    @property
    def sample_count(self) -> int:
        return sum(len(s.samples) for s in self.series)

    def families(self) -> dict[str, list[Series]]:
        out: dict[str, list[Series]] = {}
        for s in self.series:
            out.setdefault(s.family, []).append(s)
        return out

    def write_openmetrics(self, out: TextIO) -> None:
        """OpenMetrics text for promtool: one family block after another, second timestamps, `# EOF`."""
        for family, members in self.families().items():
            # Typed `unknown` for counters and gauges alike: OpenMetrics wants a counter's samples named
            # `<family>_total` with a family without it, and the type changes nothing in PromQL.
            kind = "histogram" if members[0].kind == "histogram" else "unknown"
            out.write(f"# TYPE {family} {kind}\n")
            for s in members:
                head = s.name + _render_labels(s.labels)
                out.writelines(f"{head} {_number(v)} {_seconds(t)}\n" for t, v in s.samples)
        out.write("# EOF\n")

    def exposition_chunks(self, max_lines: int = 20_000) -> Iterator[bytes]:
        """The text exposition with millisecond timestamps (VictoriaMetrics' and Perfwatch's import) as
        request bodies of at most `max_lines` sample lines, each starting with its family's `# TYPE`."""
        for family, members in self.families().items():
            lines: list[str] = []
            for s in members:
                head = s.name + _render_labels(s.labels)
                for t, v in s.samples:
                    if len(lines) >= max_lines:
                        yield _chunk(family, members[0].kind, lines)
                        lines = []
                    lines.append(f"{head} {_number(v)} {t}")
            if lines:
                yield _chunk(family, members[0].kind, lines)


def _chunk(family: str, kind: str, lines: list[str]) -> bytes:
    return (f"# TYPE {family} {kind}\n" + "\n".join(lines) + "\n").encode()


def _render_labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def _number(v: float) -> str:
    return repr(float(v))


def _seconds(ms: int) -> str:
    return f"{ms // 1000}.{ms % 1000:03d}"


def _times(rng: random.Random, start_ms: int, end_ms: int, step_ms: int, jitter: bool) -> list[int]:
    times = []
    t = start_ms
    while t <= end_ms:
        times.append(t + (rng.randrange(0, 900) if jitter else 0))
        t += step_ms
    return times


def _counter(rng: random.Random, times: list[int], rate_per_s: float, reset_at: float | None) -> list[tuple[int, float]]:
    """A counter that grows by a noisy integer amount per sample; `reset_at` (a fraction of the window)
    restarts it from zero once, as a process restart does."""
    out, value = [], float(rng.randrange(0, 1000))
    reset_index = int(len(times) * reset_at) if reset_at is not None else -1
    step_s = (times[1] - times[0]) / 1000 if len(times) > 1 else 15
    for i, t in enumerate(times):
        if i == reset_index:
            value = 0.0
        value += max(0, round(rng.gauss(rate_per_s * step_s, rate_per_s * step_s / 3)))
        out.append((t, value))
    return out


def generate(start_ms: int, end_ms: int, step_ms: int = 15_000, seed: int = SEED, scale: int = 1) -> Dataset:
    """The corpus data set: 36 series per instance, 2 × 2 × `scale` instances, plus 5 (the benchmark's
    1,000 series are `scale=7`)."""
    rng = random.Random(seed)
    series: list[Series] = []
    jobs = {job: [f"{job}-{n + 1}:9100" for n in range(len(hosts) * scale)] for job, hosts in JOBS.items()}

    def times(jitter: bool = True) -> list[int]:
        return _times(rng, start_ms, end_ms, step_ms, jitter)

    resets_left = 3
    for job, instances in jobs.items():
        for instance in instances:
            for route in ROUTES:
                for code in CODES:
                    reset_at = None
                    if resets_left and rng.random() < 0.3:
                        reset_at, resets_left = rng.uniform(0.2, 0.9), resets_left - 1
                    rate = rng.uniform(0.5, 20) if code == "200" else rng.uniform(0.01, 0.5)
                    labels = {"job": job, "instance": instance, "route": route, "code": code}
                    series.append(Series("demo_http_requests_total", labels, "demo_http_requests_total", "counter",
                                         _counter(rng, times(), rate, reset_at)))
            base = rng.uniform(2e8, 8e8)
            ts = times()
            series.append(Series("demo_memory_usage_bytes", {"job": job, "instance": instance}, "demo_memory_usage_bytes",
                                 "gauge", [(t, float(round(base + 5e7 * math.sin(i / 40) + rng.uniform(-1e6, 1e6))))
                                           for i, t in enumerate(ts)]))
            series.append(Series("demo_queue_depth", {"job": job, "instance": instance}, "demo_queue_depth", "gauge",
                                 [(t, float(rng.randrange(0, 50))) for t in times(jitter=False)]))
            series.append(Series("demo_instance_up", {"job": job, "instance": instance}, "demo_instance_up", "gauge",
                                 [(t, 0.0 if rng.random() < 0.05 else 1.0) for t in times(jitter=False)]))
            for route in ROUTES:
                series.extend(_histogram(rng, times(), {"job": job, "instance": instance, "route": route}))
        series.append(Series("demo_build_info", {"job": job, "version": f"1.{len(job)}.0"}, "demo_build_info", "gauge",
                             [(t, 1.0) for t in times(jitter=False)]))
    for sensor in ["north", "south", "attic"]:
        offset = {"north": -5.0, "south": 12.0, "attic": 2.0}[sensor]
        ts = times()
        values = [(t, round(offset + 8 * math.sin(i / 30) + rng.uniform(-0.5, 0.5), 2)) for i, t in enumerate(ts)]
        if sensor == "attic":
            # A gap of 12 minutes, longer than the 5-minute lookback, a third of the way in.
            gap_from = values[len(values) // 3][0]
            values = [(t, v) for t, v in values if not gap_from <= t < gap_from + 12 * 60_000]
        series.append(Series("demo_temperature_celsius", {"sensor": sensor}, "demo_temperature_celsius", "gauge", values))
    return Dataset(start_ms, end_ms, step_ms, series)


def _histogram(rng: random.Random, times: list[int], labels: dict[str, str]) -> list[Series]:
    """One classic histogram: observations drawn per sample interval from a log-normal around the
    route's typical latency, accumulated into cumulative buckets, `_sum` and `_count`."""
    median = rng.uniform(0.03, 0.6)
    counts = [0] * (len(BUCKET_BOUNDS) + 1)
    total = 0.0
    bucket_samples: list[list[tuple[int, float]]] = [[] for _ in counts]
    sums, totals = [], []
    for t in times:
        for _ in range(rng.randrange(2, 12)):
            v = rng.lognormvariate(math.log(median), 0.8)
            total += v
            index = next((i for i, b in enumerate(BUCKET_BOUNDS) if v <= b), len(BUCKET_BOUNDS))
            counts[index] += 1
        running = 0
        for i, c in enumerate(counts):
            running += c
            bucket_samples[i].append((t, float(running)))
        sums.append((t, round(total, 6)))
        totals.append((t, float(running)))
    family = "demo_request_duration_seconds"
    out = []
    for i, samples in enumerate(bucket_samples):
        le = "+Inf" if i == len(BUCKET_BOUNDS) else repr(BUCKET_BOUNDS[i])
        out.append(Series(f"{family}_bucket", {**labels, "le": le}, family, "histogram", samples))
    out.append(Series(f"{family}_sum", dict(labels), family, "histogram", sums))
    out.append(Series(f"{family}_count", dict(labels), family, "histogram", totals))
    return out
