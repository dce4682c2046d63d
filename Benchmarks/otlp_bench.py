"""Perfwatch OTLP trace benchmark: ingest rate, bytes per span, trace lookup, routes table.

Run through Benchmarks/run.sh (after bench.py), or on its own:
    python3 Benchmarks/otlp_bench.py --perfwatch .build/release/perfwatch [--smoke]
Prints figures and a summary table with targets; exits 0 even when a target is missed,
non-zero only when something failed to run. See Benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import pathlib
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench import (  # noqa: E402  (shared helpers, same style as the metrics benchmark)
    BenchError,
    Results,
    dir_bytes,
    fmt_rate,
    log,
    run_benchmarks,
    section,
    start_perfwatch,
    timed_get,
)

HERE = pathlib.Path(__file__).resolve().parent

SPANS_PER_BATCH = 512
# Published figures from other projects, printed as context only (not measured here).
ANCHORS = [
    ("OpenTelemetry Collector (published, not measured)", "~12,000 spans/s per CPU"),
    ("Uptrace (published, not measured)", "> 10,000 spans/s per core"),
]


@dataclass
class Sizes:
    pool_batches: int  # distinct pre-encoded batches of 512 spans
    min_spans: int  # live phase: replay the live pool (fresh trace ids, timestamps of the send time) until this many spans
    history_spans: int  # history phase first: the 24 h pool replayed with its recorded timestamps
    workers: int
    lookups: int  # trace-by-id requests timed
    repetitions: int  # routes-table requests timed


FULL = Sizes(400, 5_000_000, 1_000_000, 8, 20, 10)
SMOKE = Sizes(20, 20 * SPANS_PER_BATCH, 10 * SPANS_PER_BATCH, 4, 20, 3)
LIVE_POOL_WINDOW_MS = 10 * 60_000  # live pool: 400 batches of ~1.4 s each, before shifting to the send time


# ------------------------------------------------------------------------- workload

SERVICES = [
    ("storefront", "2.14.1", "python", "opentelemetry.instrumentation.flask"),
    ("checkout", "1.9.0", "java", "io.opentelemetry.spring-webmvc-6.0"),
    ("catalog", "3.2.5", "go", "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"),
    ("accounts", "0.18.3", "nodejs", "@opentelemetry/instrumentation-http"),
]
NOUNS = [
    "users", "orders", "carts", "products", "categories", "reviews", "payments", "invoices", "shipments",
    "addresses", "coupons", "wishlists", "sessions", "inventory", "warehouses", "suppliers", "returns",
    "refunds", "notifications", "subscriptions", "plans", "teams", "projects", "comments", "tags",
]
SUBS = ["items", "history", "status", "events", "summary", "export"]
TABLE_COLUMNS = "id, created_at, updated_at, owner_id, status, total_cents"
SQL_TEMPLATES = [
    ("SELECT", "SELECT {cols} FROM {t} WHERE id = {i}"),
    ("SELECT", "SELECT {cols} FROM {t} WHERE owner_id = {i} AND status = '{s}' ORDER BY created_at DESC LIMIT {n}"),
    ("SELECT", "SELECT COUNT(*) FROM {t} WHERE owner_id = {i}"),
    ("SELECT", "SELECT {t}.id, users.email FROM {t} JOIN users ON users.id = {t}.owner_id WHERE {t}.id IN ({i}, {j}, {k})"),
    ("UPDATE", "UPDATE {t} SET status = '{s}', updated_at = '2025-11-22 10:{n:02d}:00' WHERE id = {i}"),
    ("INSERT", "INSERT INTO {t} (owner_id, status, total_cents) VALUES ({i}, '{s}', {j})"),
    ("DELETE", "DELETE FROM {t} WHERE id = {i} AND owner_id = {j}"),
]
REDIS_TEMPLATES = ["GET session:{h}", "HGETALL cart:{i}", "SETEX rate:{i} 60 1", "INCR counter:{t}:{i}", "DEL cache:{t}:{i}"]
STATUS_WORDS = ["active", "pending", "shipped", "cancelled", "paid"]
INTERNAL_NAMES = ["render_template", "serialize_response", "validate_input", "authorize", "compute_price"]
METHOD_WEIGHTS = [("GET", 6), ("POST", 2), ("PUT", 1), ("DELETE", 1)]

TRACE_MARKER = b"\xfe\xed\xfa\xce"  # first 4 trace-id bytes in the pool; replaced by the replay number


@dataclass
class Route:
    service: int
    route: str
    method: str
    queries: list  # (db.system, template) per db call
    median_ms: float
    weight: float


def make_routes(rng: random.Random, count: int = 200) -> list[Route]:
    patterns = []
    for noun in NOUNS:
        patterns += [f"/api/v1/{noun}", f"/api/v1/{noun}/{{id}}"] + [f"/api/v1/{noun}/{{id}}/{sub}" for sub in SUBS]
    rng.shuffle(patterns)
    methods = [m for m, w in METHOD_WEIGHTS for _ in range(w)]
    routes = []
    for i, pattern in enumerate(patterns[:count]):
        n_queries = rng.randint(2, 6)
        queries = []
        for _ in range(n_queries):
            if rng.random() < 0.2:
                queries.append(("redis", rng.choice(REDIS_TEMPLATES)))
            else:
                queries.append((rng.choice(["postgresql", "postgresql", "mysql"]), rng.choice(SQL_TEMPLATES)))
        routes.append(
            Route(
                service=i % len(SERVICES),
                route=pattern,
                method=rng.choice(methods),
                queries=queries,
                median_ms=rng.choice([4, 8, 15, 30, 60, 120]),
                weight=1 / (i + 1) ** 0.8,  # a few hot routes, a long tail
            )
        )
    return routes


def kv(key: str, value) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


@dataclass
class Pool:
    """Distinct pre-encoded batches and what the run needs to know about them."""

    bodies: list[bytes] = field(default_factory=list)
    id_offsets: list[np.ndarray] = field(default_factory=list)  # per batch: byte offsets of the 4 replay bytes
    time_offsets: list[np.ndarray] = field(default_factory=list)  # per batch: (n, 8) byte offsets of every fixed64 timestamp
    last_end_ns: list[int] = field(default_factory=list)  # per batch: its latest timestamp
    traces: list[list[tuple[bytes, int]]] = field(default_factory=list)  # per batch: (trace id bytes 4..16, span count)
    server_spans: list[int] = field(default_factory=list)  # per batch
    routes: set = field(default_factory=set)  # (service, route) pairs present
    batch_routes: list[set] = field(default_factory=list)  # per batch: its (service, route) pairs
    start_ms: int = 0
    end_ms: int = 0


def generate_pool(n_batches: int, seed: int = 7, backfill: bool = False, window_ms: int = 24 * 3600_000) -> Pool:
    """Each trace: one SERVER span, 2-6 CLIENT db spans and one INTERNAL span over the last
    24 h (ending 2 min ago). Live order (default): batch b holds the b-th time slice, as spans
    from running services arrive; backfill: start times uniformly random across the 24 h."""
    routes = make_routes(random.Random(7))  # the same 200 routes whatever the seed of the spans
    rng = random.Random(seed)
    weights = [r.weight for r in routes]
    pool = Pool()
    pool.end_ms = int(time.time() * 1000) - 120_000
    pool.start_ms = pool.end_ms - window_ms + min(10 * 60_000, window_ms // 10)  # 24 h: 23 h 50 min of data
    resources = []
    for name, version, lang, _ in SERVICES:
        resources.append(
            [
                kv("service.name", name),
                kv("service.version", version),
                kv("deployment.environment.name", "production"),
                kv("host.name", f"{name}-7d9f8c-{rng.randrange(16**5):05x}"),
                kv("telemetry.sdk.name", "opentelemetry"),
                kv("telemetry.sdk.language", lang),
                kv("telemetry.sdk.version", "1.38.0"),
            ]
        )

    def span_id() -> bytes:
        return (rng.getrandbits(64) | 1).to_bytes(8, "big")

    for b in range(n_batches):
        by_service: list[list[Span]] = [[] for _ in SERVICES]
        traces: list[tuple[bytes, int]] = []
        n_server = 0
        batch_routes = set()
        remaining = SPANS_PER_BATCH
        t_index = 0
        while remaining > 0:
            route = rng.choices(routes, weights)[0]
            n_db = len(route.queries)
            if remaining < 2 + n_db:  # the last trace of the batch is cut to fit
                n_db = max(0, remaining - 2)
            rest = b.to_bytes(2, "big") + t_index.to_bytes(2, "big") + rng.getrandbits(64).to_bytes(8, "big")
            trace_id = TRACE_MARKER + rest
            if backfill:
                start_ns = rng.randrange(pool.start_ms, pool.end_ms - 60_000) * 1_000_000 + rng.randrange(1_000_000)
            else:  # live traffic: batch b covers the b-th slice of the 24 h, so spans arrive in time order
                window = (pool.end_ms - 60_000 - pool.start_ms) / n_batches
                start_ns = int((pool.start_ms + (b + rng.random()) * window) * 1_000_000)
            duration_ns = int(rng.lognormvariate(math.log(route.median_ms), 0.6) * 1e6) + 200_000
            r = rng.random()
            status_code = (500 if r < 0.01 else 404 if r < 0.03 else 201 if route.method == "POST" else 200)
            root_id = span_id()
            path = route.route.replace("{id}", str(rng.randrange(1, 2_000_000)))
            server = Span(
                trace_id=trace_id,
                span_id=root_id,
                name=f"{route.method} {route.route}",
                kind=Span.SPAN_KIND_SERVER,
                start_time_unix_nano=start_ns,
                end_time_unix_nano=start_ns + duration_ns,
                attributes=[
                    kv("http.request.method", route.method),
                    kv("http.route", route.route),
                    kv("http.response.status_code", status_code),
                    kv("url.path", path),
                    kv("url.scheme", "https"),
                    kv("server.address", "shop.example.com"),
                    kv("network.protocol.version", "1.1"),
                    kv("client.address", f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"),
                    kv("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"),
                ],
            )
            if status_code >= 500:
                server.status.code = Status.STATUS_CODE_ERROR
                ev = server.events.add()
                ev.time_unix_nano = start_ns + duration_ns - 100_000
                ev.name = "exception"
                ev.attributes.extend([kv("exception.type", "TimeoutError"), kv("exception.message", "upstream timed out")])
            spans = [server]
            n_server += 1
            if remaining >= 2:
                # The db calls run one after another inside the first 80 % of the request.
                slot = duration_ns * 0.8 / max(n_db, 1)
                for q in range(n_db):
                    system, template = route.queries[q]
                    qs = start_ns + int(q * slot) + 50_000
                    qd = max(int(slot * rng.uniform(0.3, 0.9)), 20_000)
                    t = rng.choice(NOUNS)
                    if system == "redis":
                        stmt = template.format(h=f"{rng.getrandbits(64):016x}", i=rng.randrange(1, 10**6), t=t)
                        op, name, attrs = stmt.split()[0], stmt.split()[0], [kv("db.system", "redis")]
                    else:
                        op, tpl = template
                        stmt = tpl.format(
                            cols=TABLE_COLUMNS, t=t, i=rng.randrange(1, 10**7), j=rng.randrange(1, 10**5),
                            k=rng.randrange(1, 10**5), s=rng.choice(STATUS_WORDS), n=rng.randrange(1, 60),
                        )
                        name = f"{op} shop.{t}"
                        attrs = [kv("db.system", system), kv("db.name", "shop"), kv("server.address", f"{system}.internal"), kv("server.port", 5432 if system == "postgresql" else 3306)]
                    attrs.append(kv("db.statement", stmt))
                    spans.append(
                        Span(
                            trace_id=trace_id, span_id=span_id(), parent_span_id=root_id, name=name,
                            kind=Span.SPAN_KIND_CLIENT, start_time_unix_nano=qs, end_time_unix_nano=qs + qd, attributes=attrs,
                        )
                    )
                internal_start = start_ns + int(duration_ns * 0.82)
                spans.append(
                    Span(
                        trace_id=trace_id, span_id=span_id(), parent_span_id=root_id, name=rng.choice(INTERNAL_NAMES),
                        kind=Span.SPAN_KIND_INTERNAL, start_time_unix_nano=internal_start,
                        end_time_unix_nano=internal_start + int(duration_ns * 0.15),
                        attributes=[kv("code.function", "handle"), kv("code.namespace", f"app.{route.route.split('/')[3]}")],
                    )
                )
            by_service[route.service].extend(spans)
            traces.append((rest, len(spans)))
            pool.routes.add((SERVICES[route.service][0], route.route))
            batch_routes.add((SERVICES[route.service][0], route.route))
            remaining -= len(spans)
            t_index += 1
        req = ExportTraceServiceRequest()
        for s, spans in enumerate(by_service):
            if not spans:
                continue
            rs = req.resource_spans.add()
            rs.resource.attributes.extend(resources[s])
            ss = rs.scope_spans.add()
            ss.scope.name = SERVICES[s][3]
            ss.scope.version = "0.49b0"
            ss.spans.extend(spans)
        body = req.SerializeToString()
        # Span.trace_id is field 1, length 16: bytes 0x0a 0x10 then the id.
        needle = b"\x0a\x10" + TRACE_MARKER
        offsets, pos = [], body.find(needle)
        while pos >= 0:
            offsets.append(pos + 2)
            pos = body.find(needle, pos + 1)
        if len(offsets) != SPANS_PER_BATCH:
            raise BenchError(f"batch {b}: found {len(offsets)} trace ids to patch, expected {SPANS_PER_BATCH}")
        pool.bodies.append(body)
        times = timestamp_offsets(body)
        pool.time_offsets.append(times)
        pool.last_end_ns.append(int(np.frombuffer(body, dtype=np.uint8)[times].copy().view("<u8").max()))
        pool.id_offsets.append(np.asarray(offsets, dtype=np.int64)[:, None] + np.arange(4))
        pool.traces.append(traces)
        pool.server_spans.append(n_server)
        pool.batch_routes.append(batch_routes)
    return pool


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes, start: int, end: int):
    """(field number, wire type, value start, value end) of each field of one message."""
    pos = start
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, after = _varint(buf, pos)
        elif wire == 1:
            after = pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            after = pos + length
        elif wire == 5:
            after = pos + 4
        else:
            raise BenchError(f"unexpected wire type {wire} in the pool's own encoding")
        yield number, wire, pos, after
        pos = after


def timestamp_offsets(body: bytes) -> np.ndarray:
    """Byte offsets, shape (n, 8), of every fixed64 timestamp in an ExportTraceServiceRequest:
    span start (7) and end (8), event time (11 -> 1). Shifting them replays a batch as now."""
    found = []
    for n1, _, a1, b1 in _fields(body, 0, len(body)):  # resource_spans
        for n2, _, a2, b2 in _fields(body, a1, b1) if n1 == 1 else ():  # scope_spans
            for n3, _, a3, b3 in _fields(body, a2, b2) if n2 == 2 else ():  # spans
                for n4, w4, a4, b4 in _fields(body, a3, b3) if n3 == 2 else ():
                    if n4 in (7, 8) and w4 == 1:
                        found.append(a4)
                    elif n4 == 11:  # events
                        found += [a5 for n5, w5, a5, _ in _fields(body, a4, b4) if n5 == 1 and w5 == 1]
    return np.asarray(found, dtype=np.int64)[:, None] + np.arange(8)


def replay_bodies(pool: Pool, n_requests: int, first_replay: int = 1) -> list[bytes]:
    """Request i sends pool batch i % len(pool) with replay number first_replay + i // len(pool)
    in the first 4 bytes of every trace id, so every trace id in the run is distinct."""
    out = []
    n = len(pool.bodies)
    for i in range(n_requests):
        b, replay = i % n, first_replay + i // n
        arr = np.frombuffer(pool.bodies[b], dtype=np.uint8).copy()
        arr[pool.id_offsets[b]] = np.frombuffer(replay.to_bytes(4, "big"), dtype=np.uint8)
        out.append(arr.tobytes())
    return out


def shifted_to_now(body: bytes, offsets: np.ndarray, last_end_ns: int) -> bytes:
    """The batch with every timestamp moved so that its last one is the send time: the
    density a live system sees (each 10 s of data arrives in 10 s), whatever the rate."""
    arr = np.frombuffer(body, dtype=np.uint8).copy()
    stamps = arr[offsets].copy().view("<u8")
    stamps += np.uint64(time.time_ns() - last_end_ns)
    arr[offsets] = stamps.view(np.uint8).reshape(offsets.shape)
    return arr.tobytes()


def trace_hex(pool_batch_rest: bytes, replay: int) -> str:
    return (replay.to_bytes(4, "big") + pool_batch_rest).hex()


# ---------------------------------------------------------------------------- client


def server_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ingested_spans(url: str) -> int:
    for line in requests.get(url + "/metrics", timeout=30).text.splitlines():
        if line.startswith("perfwatch_ingested_spans_total "):
            return int(float(line.split()[1]))
    raise BenchError("/metrics has no perfwatch_ingested_spans_total (is the binary older than the sources? rebuild it)")


def commit_seconds(url: str) -> tuple[float, int]:
    """(seconds, commits) of the group-commit writer so far, from /metrics."""
    total, count = 0.0, 0
    for line in requests.get(url + "/metrics", timeout=30).text.splitlines():
        if line.startswith("perfwatch_commit_duration_seconds_sum "):
            total = float(line.split()[1])
        elif line.startswith("perfwatch_commit_duration_seconds_count "):
            count = int(float(line.split()[1]))
    return total, count


def push_traces(url: str, bodies: list, workers: int, progress_every: int) -> tuple[float, int]:
    """POSTs every body to /v1/traces with `workers` threads, a keep-alive Session each. A body
    given as (bytes, timestamp offsets, last timestamp) is shifted to the send time first.
    503 (queue full) is retried after Retry-After. Returns (seconds, retries)."""
    local = threading.local()
    lock = threading.Lock()
    state = {"done": 0, "retries": 0}
    headers = {"Content-Type": "application/x-protobuf"}
    t0 = time.perf_counter()

    def one(body) -> None:
        if isinstance(body, tuple):
            body = shifted_to_now(*body)
        s = getattr(local, "s", None)
        if s is None:
            s = local.s = requests.Session()
        for attempt in range(100):
            r = s.post(url + "/v1/traces", data=body, headers=headers, timeout=300)
            if r.status_code == 503:
                with lock:
                    state["retries"] += 1
                time.sleep(min(float(r.headers.get("Retry-After", "1")), 1.0))
                continue
            break
        if r.status_code != 200:
            raise BenchError(f"POST /v1/traces -> {r.status_code}: {r.content[:300]!r}")
        if r.content:
            resp = ExportTraceServiceResponse.FromString(r.content)
            if resp.partial_success.rejected_spans:
                raise BenchError(
                    f"POST /v1/traces rejected {resp.partial_success.rejected_spans} spans: {resp.partial_success.error_message}"
                )
        with lock:
            state["done"] += 1
            done = state["done"]
        if progress_every and done % progress_every == 0:
            secs = time.perf_counter() - t0
            log(f"  {done * SPANS_PER_BATCH:>10,} spans  {secs:6.1f}s  {fmt_rate(done * SPANS_PER_BATCH / secs)} spans/s")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(one, bodies):
            pass
    return time.perf_counter() - t0, state["retries"]


# ------------------------------------------------------------------------ benchmark


def describe_pool(name: str, pool: Pool, gen_s: float) -> None:
    log(
        f"{name} pool: {len(pool.bodies)} distinct batches x {SPANS_PER_BATCH} spans = {len(pool.bodies) * SPANS_PER_BATCH:,} spans "
        f"in {sum(len(t) for t in pool.traces):,} traces, {len(pool.routes)} (service, route) pairs over {len(SERVICES)} services, "
        f"recorded start times {time.strftime('%Y-%m-%d %H:%M', time.localtime(pool.start_ms / 1000))} .. "
        f"{time.strftime('%H:%M', time.localtime(pool.end_ms / 1000))} (generated in {gen_s:.1f}s)"
    )


@dataclass
class Phase:
    """One timed ingest phase: which pool, how many requests, and their replay numbers."""

    name: str
    pool: Pool
    n_requests: int
    first_replay: int
    live: bool

    @property
    def spans(self) -> int:
        return self.n_requests * SPANS_PER_BATCH

    @property
    def server_spans(self) -> int:
        return sum(self.pool.server_spans[i % len(self.pool.bodies)] for i in range(self.n_requests))

    @property
    def routes(self) -> set:
        return set().union(*(self.pool.batch_routes[i] for i in range(min(self.n_requests, len(self.pool.bodies)))))

    def trace(self, i: int) -> tuple[bytes, int, int]:
        """A random trace of request i: (trace id bytes 4..16, span count, replay number)."""
        return (*random.Random(i).choice(self.pool.traces[i % len(self.pool.bodies)]), self.first_replay + i // len(self.pool.bodies))


def run_phase(args, sizes: Sizes, res: Results, pw, phase: Phase, key: str, target: int | None) -> None:
    bodies = replay_bodies(phase.pool, phase.n_requests, phase.first_replay)
    if phase.live:
        bodies = [(b, phase.pool.time_offsets[i % len(phase.pool.bodies)], phase.pool.last_end_ns[i % len(phase.pool.bodies)])
                  for i, b in enumerate(bodies)]
    section(f"OTLP ingest, {phase.name}: POST /v1/traces, {sizes.workers} workers, keep-alive")
    before = ingested_spans(pw.url)
    cpu0 = server_cpu_seconds(pw.proc.pid)
    commit0 = commit_seconds(pw.url)
    secs, retries = push_traces(pw.url, bodies, sizes.workers, 0 if args.smoke else max(1, phase.n_requests // 10))
    cpu_s = server_cpu_seconds(pw.proc.pid) - cpu0
    del bodies
    stored = ingested_spans(pw.url) - before
    rate = phase.spans / secs
    log(f"{phase.spans:,} spans in {secs:.2f}s = {fmt_rate(rate)} spans/s "
        f"({fmt_rate(phase.n_requests / secs)} requests/s, {retries} retried after 503)")
    log(f"server CPU during ingest: {cpu_s:.1f}s = {fmt_rate(phase.spans / max(cpu_s, 1e-9))} spans per server CPU-second")
    log(f"/metrics perfwatch_ingested_spans_total: {stored:,}")
    commit1 = commit_seconds(pw.url)
    commit_s, commits = commit1[0] - commit0[0], commit1[1] - commit0[1]
    # The single writer is the one serial stage: near 100% busy, it bounds the rate.
    log(f"group commits: {commits:,} taking {commit_s:.1f}s = writer busy {100 * commit_s / secs:.0f}% of the run "
        f"(mean {1000 * commit_s / max(commits, 1):.1f} ms, {fmt_rate(phase.spans / max(commits, 1))} spans per commit)")
    if stored != phase.spans:
        raise BenchError(f"perfwatch stored {stored} of {phase.spans} spans")
    res.data[key] = {"spans": phase.spans, "seconds": secs, "spans_per_s": rate, "retries_503": retries, "server_cpu_s": cpu_s,
                     "commits": commits, "commit_s": commit_s}
    label = f"OTLP ingest, {phase.name} (512-span protobuf batches, spans/s)"
    if target:
        res.add(label, fmt_rate(rate), f">= {target:,}", rate >= target)
    else:
        res.add(label, fmt_rate(rate), "(info)", None)
    res.add("  spans per server CPU-second", fmt_rate(phase.spans / max(cpu_s, 1e-9)), "(info)", None)


def bench_otlp(args, sizes: Sizes, res: Results, workdir: str) -> None:
    section("OTLP payload")
    t0 = time.perf_counter()
    history = generate_pool(sizes.pool_batches, backfill=args.backfill, window_ms=args.window_minutes * 60_000)
    describe_pool("history", history, time.perf_counter() - t0)
    t0 = time.perf_counter()
    live = generate_pool(sizes.pool_batches, seed=8, window_ms=LIVE_POOL_WINDOW_MS)
    describe_pool("live", live, time.perf_counter() - t0)
    # Replay numbers (the first 4 trace-id bytes) of the live phase start past any history replay.
    history_requests = math.ceil(sizes.history_spans / SPANS_PER_BATCH)
    phases = [Phase("24 h history, recorded timestamps", history, history_requests, 1, False),
              Phase("live, timestamps of the send time", live, math.ceil(sizes.min_spans / SPANS_PER_BATCH),
                    2 + history_requests // len(history.bodies), True)]
    phases = [p for p in phases if p.n_requests > 0]
    total_spans = sum(p.spans for p in phases)
    server_spans = sum(p.server_spans for p in phases)
    log(
        "run: " + "; then ".join(f"{p.name}: {p.n_requests:,} requests = {p.spans:,} spans" for p in phases) +
        f"; {server_spans:,} SERVER spans in all. Each pool batch is replayed with fresh trace ids; "
        "live bodies get their timestamps at send time."
    )
    res.data["payload"] = {"history_spans": phases[0].spans if not phases[0].live else 0, "live_spans": phases[-1].spans if phases[-1].live else 0,
                           "server_spans": server_spans, "routes": len(history.routes | live.routes)}

    data_dir = os.path.join(workdir, "perfwatch-otlp")
    pw = start_perfwatch(args.perfwatch, data_dir, workdir, name="perfwatch-otlp")
    try:
        for p in phases:
            if p.live:
                run_phase(args, sizes, res, pw, p, "ingest", 40_000)
            else:
                run_phase(args, sizes, res, pw, p, "ingest_history", None)
        for name, text in ANCHORS:
            log(f"context: {name}: {text}")
            res.add(f"  {name}", text, "(context)", None)

        section("Disk: graceful stop and measure")
        pw.stop()
        app, alloc = dir_bytes(data_dir)
        bps = app / total_spans
        log(f"perfwatch data dir (after SIGTERM): {app:,} bytes ({alloc:,} allocated) = {bps:.1f} bytes/span "
            "(spans plus the metrics derived from them)")
        log("  files: " + ", ".join(f"{f} {os.path.getsize(os.path.join(data_dir, f)):,}" for f in sorted(os.listdir(data_dir))))
        res.data["disk"] = {"bytes": app, "allocated": alloc, "bytes_per_span": bps}
        res.add("Disk (bytes/span, incl. derived metrics)", f"{bps:.1f}", "(info)", None)

        section("Trace by id after restart")
        t2 = time.perf_counter()
        pw = start_perfwatch(args.perfwatch, data_dir, workdir, name="perfwatch-otlp-restarted")
        log(f"restarted on the same data dir, ready in {time.perf_counter() - t2:.1f}s")
        rng = random.Random(11)
        picks = []
        while len(picks) < sizes.lookups + 1:
            phase = rng.choice(phases)
            rest, count, replay = phase.trace(rng.randrange(phase.n_requests))
            picks.append((trace_hex(rest, replay), count))
        session = requests.Session()
        times = []
        for k, (tid, count) in enumerate(picks):  # the first one warms the connection, not timed
            t = time.perf_counter()
            r = session.get(f"{pw.url}/api/v1/traces/{tid}", timeout=60)
            dt = time.perf_counter() - t
            if r.status_code != 200:
                raise BenchError(f"GET /api/v1/traces/{tid} -> {r.status_code}: {r.text[:300]}")
            got = r.json()
            if got.get("traceId") != tid or len(got.get("spans", [])) != count:
                raise BenchError(f"GET /api/v1/traces/{tid}: {len(got.get('spans', []))} spans, expected {count}")
            if k > 0:
                times.append(dt)
        times.sort()
        med = statistics.median(times)
        p95 = times[math.ceil(0.95 * len(times)) - 1]
        log(f"{len(times)} random known trace ids: median {med * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms")
        res.data["trace_by_id_ms"] = {"median": med * 1000, "p95": p95 * 1000, "all": [t * 1000 for t in times]}
        res.add(f"Trace by id, median of {len(times)} (after restart)", f"{med * 1000:.1f} ms", "< 20 ms", med < 0.02)
        res.add(f"Trace by id, p95 of {len(times)} (after restart)", f"{p95 * 1000:.1f} ms", "< 20 ms", p95 < 0.02)

        section("Routes table over 24 h")
        frm = (min(p.pool.start_ms for p in phases) - 60_000) // 60_000 * 60_000
        params = {"from": frm, "to": frm + 24 * 3600_000}
        med, body = timed_get(pw.url + "/api/v1/routes", params, sizes.repetitions)
        rows = body.get("routes", [])
        got_pairs = {(r["service"], r["route"]) for r in rows}
        requests_sum = sum(r["requests"] for r in rows)
        log(f"GET /api/v1/routes?from={params['from']}&to={params['to']}: median {med * 1000:.1f} ms over {sizes.repetitions} runs "
            f"({len(rows)} routes, {requests_sum:,.0f} requests)")
        all_routes = set().union(*(p.routes for p in phases))
        if got_pairs != all_routes:
            raise BenchError(f"routes table has {len(got_pairs)} (service, route) pairs, expected {len(all_routes)}: "
                             f"missing {sorted(all_routes - got_pairs)[:5]}, unexpected {sorted(got_pairs - all_routes)[:5]}")
        if round(requests_sum) != server_spans:
            raise BenchError(f"routes table counts {requests_sum} requests, expected {server_spans} SERVER spans")
        res.data["routes_table_ms"] = med * 1000
        res.add(f"Routes table, {len(rows)} routes x 24 h (median of {sizes.repetitions})", f"{med * 1000:.1f} ms", "< 300 ms", med < 0.3)
        pw.stop()
    finally:
        pw.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description="Perfwatch OTLP trace benchmark (see Benchmarks/README.md)")
    ap.add_argument("--perfwatch", required=True, help="perfwatch binary")
    ap.add_argument("--build", default="?", help="which build this is (release/debug), for the report")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, same code paths; for CI")
    ap.add_argument("--spans", type=int, default=None,
                    help="spans of the timed live phase (default 5,000,000; a quick look: 500000)")
    ap.add_argument("--history-spans", type=int, default=None,
                    help="spans of the 24 h history sent first with recorded timestamps (default 1,000,000; 0 skips it)")
    ap.add_argument("--out", default=str(HERE / "out"), help="directory for results JSON")
    ap.add_argument("--workers", type=int, default=None, help="concurrent keep-alive connections (default 8)")
    ap.add_argument(
        "--window-minutes", type=int, default=24 * 60,
        help="span of the history phase's timestamps (default 24 h, so the routes table has a day)",
    )
    ap.add_argument(
        "--backfill", action="store_true",
        help="history phase: start times uniformly random over 24 h in every batch; default: in order, batch by batch",
    )
    args = ap.parse_args()
    sizes = SMOKE if args.smoke else FULL
    if args.spans is not None:
        sizes = dataclasses.replace(sizes, min_spans=args.spans)
    if args.history_spans is not None:
        sizes = dataclasses.replace(sizes, history_spans=args.history_spans)
    if args.workers:
        sizes = dataclasses.replace(sizes, workers=args.workers)
    mode = "smoke" if args.smoke else "full"
    log(f"OTLP trace benchmark; mode: {mode}; perfwatch: {args.perfwatch} ({args.build} build); {os.cpu_count()} CPUs")
    if args.build == "debug":
        log("note: a debug build is measured; build with `swift build -c release` for meaningful figures")
    res = Results()
    res.data.update(mode=mode, build=args.build, perfwatch=args.perfwatch, sizes=sizes.__dict__, backfill=args.backfill)
    log(f"history phase: {'random over the window' if args.backfill else 'in order, each batch a later slice of the window'}, "
        f"window {args.window_minutes} min; live phase: each batch's timestamps shifted to its send time")
    return run_benchmarks(
        args, res, "perfwatch-otlp-bench-", f"otlp-results-{mode}.json", lambda workdir: bench_otlp(args, sizes, res, workdir)
    )

if __name__ == "__main__":
    sys.exit(main())
