"""Perfwatch benchmark: side by side with VictoriaMetrics, in one run on one machine.

Run through Benchmarks/run.sh (it finds the binaries). Prints figures, ratios and a
summary table with targets; exits 0 even when a target is missed, non-zero only when
something failed to run. See Benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import gen_prom  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent


@dataclass
class Sizes:
    prom_samples: int
    prom_series: int
    chunk_lines: int
    workers: int
    json_values: int
    json_batch: int
    p95_routes: int
    p95_every_minutes: int  # one point per route every N minutes over 24 h
    p95_values_per_point: int
    rss_series: int
    repetitions: int


FULL = Sizes(1_000_000, 1_000, 10_000, 4, 1_000_000, 1_000, 50, 1, 5, 10_000, 10)
SMOKE = Sizes(20_000, 100, 2_000, 4, 20_000, 1_000, 50, 10, 1, 1_000, 3)


# The running figure is taken once the WAL is at most this (the server's own metrics keep
# writing a little between checkpoints).
WAL_SETTLED_BYTES = 64 * 1024


class BenchError(RuntimeError):
    pass


def log(msg: str = "") -> None:
    print(msg, flush=True)


def section(title: str) -> None:
    log(f"\n---- {title} ----")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def now_ms() -> int:
    return int(time.time() * 1000)


def dir_bytes(path: str) -> tuple[int, int]:
    """(apparent bytes, allocated bytes) of every file under path."""
    apparent = allocated = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                st = os.lstat(os.path.join(root, f))
            except FileNotFoundError:
                continue
            apparent += st.st_size
            allocated += st.st_blocks * 512
    return apparent, allocated


def vm_data_bytes(path: str) -> tuple[int, int]:
    """VictoriaMetrics' stored data: data/ and indexdb/ (cache/ holds only caches)."""
    totals = [dir_bytes(os.path.join(path, sub)) for sub in ("data", "indexdb")]
    return sum(t[0] for t in totals), sum(t[1] for t in totals)


def vm_stored_rows(url: str) -> int:
    """Rows VictoriaMetrics has written to its data/ parts (in-memory parts don't count)."""
    rows = 0
    for line in requests.get(url + "/metrics", timeout=30).text.splitlines():
        if line.startswith('vm_rows{type="storage/') and 'storage/inmemory' not in line:
            rows += int(float(line.split()[-1]))
    return rows


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise BenchError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------- processes


class Proc:
    def __init__(self, name: str, args: list[str], url: str, health_path: str, workdir: str):
        self.name, self.args, self.url, self.health_path = name, args, url, health_path
        self.log_path = os.path.join(workdir, f"{name}.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def output(self, tail: int = 4000) -> str:
        try:
            return pathlib.Path(self.log_path).read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if requests.get(self.url + self.health_path, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise BenchError(f"{self.name} not ready within {timeout}s:\n{self.output()}")

    def stop(self, timeout: float = 60) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise BenchError(f"{self.name} did not stop within {timeout}s of SIGTERM")
        self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def start_perfwatch(binary: str, data_dir: str, workdir: str, name: str = "perfwatch") -> Proc:
    port = free_port()
    p = Proc(
        name,
        [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", data_dir],
        f"http://127.0.0.1:{port}",
        "/healthz",
        workdir,
    )
    p.wait_ready()
    return p


def start_vm(binary: str, data_dir: str, workdir: str) -> Proc:
    port = free_port()
    p = Proc(
        "victoria-metrics",
        [
            binary,
            f"-storageDataPath={data_dir}",
            f"-httpListenAddr=127.0.0.1:{port}",
            "-retentionPeriod=1y",
            "-search.disableCache",
            "-search.latencyOffset=0s",
            "-loggerLevel=ERROR",
        ],
        f"http://127.0.0.1:{port}",
        "/health",
        workdir,
    )
    p.wait_ready()
    return p


# ---------------------------------------------------------------------------- client


class Pusher:
    """The one client used for every push: N threads, a requests.Session each."""

    def __init__(self, workers: int):
        self.workers = workers
        self.local = threading.local()

    def _session(self) -> requests.Session:
        s = getattr(self.local, "s", None)
        if s is None:
            s = self.local.s = requests.Session()
        return s

    def push(self, url: str, bodies: list[bytes], headers: dict[str, str]) -> tuple[float, list[requests.Response]]:
        def one(body: bytes) -> requests.Response:
            r = self._session().post(url, data=body, headers=headers, timeout=300)
            if not 200 <= r.status_code < 300:
                raise BenchError(f"POST {url} -> {r.status_code}: {r.text[:300]}")
            return r

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            responses = list(pool.map(one, bodies))
        return time.perf_counter() - t0, responses


def timed_get(url: str, params: dict, reps: int) -> tuple[float, dict]:
    """Median latency (s) of `reps` GETs after one warm-up; returns the last JSON body."""
    session = requests.Session()
    body = None
    times = []
    for i in range(reps + 1):
        t0 = time.perf_counter()
        r = session.get(url, params=params, timeout=300)
        dt = time.perf_counter() - t0
        if r.status_code != 200:
            raise BenchError(f"GET {url} {params} -> {r.status_code}: {r.text[:300]}")
        body = r.json()
        if i > 0:
            times.append(dt)
    return statistics.median(times), body


# ------------------------------------------------------------------------ benchmarks


@dataclass
class Results:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # figure, value, target, verdict
    data: dict = field(default_factory=dict)

    def add(self, figure: str, value: str, target: str, ok: bool | None) -> None:
        verdict = "n/a" if ok is None else ("PASS" if ok else "MISS")
        self.rows.append((figure, value, target, verdict))


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def bench_prometheus(args, sizes: Sizes, res: Results, workdir: str, vm_bin: str | None) -> None:
    section("Prometheus import: payload")
    t0 = time.perf_counter()
    payload = gen_prom.generate(sizes.prom_samples, sizes.prom_series, sizes.chunk_lines)
    total_bytes = sum(len(c) for c in payload.chunks)
    log(
        f"{payload.samples:,} samples over {payload.series:,} series ({payload.counter_series} counter, "
        f"{payload.gauge_series} gauge), 10 s spacing, ms timestamps, {len(payload.chunks)} chunks, "
        f"{total_bytes / 1e6:.1f} MB of text (generated in {time.perf_counter() - t0:.1f}s)"
    )

    pw_data = os.path.join(workdir, "perfwatch-prom")
    vm_data = os.path.join(workdir, "vm-data")
    pusher = Pusher(sizes.workers)
    headers = {"Content-Type": "text/plain; version=0.0.4"}

    vm = start_vm(vm_bin, vm_data, workdir) if vm_bin else None
    pw = start_perfwatch(args.perfwatch, pw_data, workdir)
    try:
        vm_rate = None
        if vm:
            section("Prometheus import: VictoriaMetrics")
            secs, _ = pusher.push(vm.url + "/api/v1/import/prometheus", payload.chunks, headers)
            vm_rate = payload.samples / secs
            log(f"VictoriaMetrics: {payload.samples:,} samples in {secs:.2f}s = {fmt_rate(vm_rate)} samples/s")

        section("Prometheus import: perfwatch")
        secs, responses = pusher.push(pw.url + "/api/v1/import/prometheus", payload.chunks, headers)
        pw_rate = payload.samples / secs
        accepted = sum(r.json().get("accepted", 0) for r in responses)
        log(f"perfwatch: {payload.samples:,} samples in {secs:.2f}s = {fmt_rate(pw_rate)} samples/s (accepted {accepted:,})")
        if accepted != payload.samples:
            raise BenchError(f"perfwatch accepted {accepted} of {payload.samples} samples")
        res.data["prom_ingest"] = {"samples": payload.samples, "perfwatch_samples_per_s": pw_rate, "vm_samples_per_s": vm_rate}
        if vm_rate:
            ratio = pw_rate / vm_rate
            log(f"ratio perfwatch/VM: {ratio:.2f}")
            res.add("Prom import (samples/s)", f"pw {fmt_rate(pw_rate)} / VM {fmt_rate(vm_rate)} = {ratio:.2f}x", ">= 0.5x VM", ratio >= 0.5)
        else:
            res.add("Prom import (samples/s)", f"pw {fmt_rate(pw_rate)} (VM skipped)", ">= 0.5x VM", None)

        section("Disk: settle and measure")
        vm_bps = None
        if vm:
            r = requests.get(vm.url + "/internal/force_flush", timeout=60)
            if r.status_code != 200:
                raise BenchError(f"VM force_flush -> {r.status_code}")
            # Wait until VM reports every row in its storage parts and the files stop changing.
            last, stable_since, deadline = None, time.monotonic(), time.monotonic() + 60
            while time.monotonic() < deadline:
                rows = vm_stored_rows(vm.url)
                cur = vm_data_bytes(vm_data)[0]
                if cur != last or rows < payload.samples:
                    last, stable_since = cur, time.monotonic()
                elif time.monotonic() - stable_since >= (1 if args.smoke else 3):
                    break
                time.sleep(0.5)
            else:
                log("warning: VictoriaMetrics storage still changing after 60 s; measuring anyway")
            vm_app, vm_alloc = vm_data_bytes(vm_data)
            vm_bps = vm_app / payload.samples
            log(f"VictoriaMetrics data/ + indexdb/ (caches excluded): {vm_app:,} bytes ({vm_alloc:,} allocated) = {vm_bps:.3f} bytes/sample")
        # While running: what a user's `du` sees. Right after the import, then once the server's
        # periodic WAL checkpoint (every 5 s) has folded the log into the database.
        pw_files = lambda: ", ".join(f"{f} {os.path.getsize(os.path.join(pw_data, f)):,}" for f in sorted(os.listdir(pw_data)))
        wal = os.path.join(pw_data, "perfwatch.sqlite-wal")
        wal_size = lambda: os.path.getsize(wal) if os.path.exists(wal) else 0
        after_import = dir_bytes(pw_data)[0]
        log(f"perfwatch data dir (running, right after the import): {after_import:,} bytes = {after_import / payload.samples:.3f} bytes/sample")
        log("  files: " + pw_files())
        deadline = time.monotonic() + 20
        while wal_size() > WAL_SETTLED_BYTES and time.monotonic() < deadline:
            time.sleep(0.25)
        pw_run_app, pw_run_alloc = dir_bytes(pw_data)
        pw_run_bps = pw_run_app / payload.samples
        log(f"perfwatch data dir (running, after its WAL checkpoint): {pw_run_app:,} bytes ({pw_run_alloc:,} allocated) = {pw_run_bps:.3f} bytes/sample")
        log("  files: " + pw_files())
        pw.stop()
        pw_app, pw_alloc = dir_bytes(pw_data)
        pw_bps = pw_app / payload.samples
        log(f"perfwatch data dir (after graceful stop): {pw_app:,} bytes ({pw_alloc:,} allocated) = {pw_bps:.3f} bytes/sample")
        log("  files: " + pw_files())
        res.data["disk"] = {
            "perfwatch_bytes": pw_app, "perfwatch_allocated": pw_alloc, "vm_bytes_per_sample": vm_bps, "perfwatch_bytes_per_sample": pw_bps,
            "perfwatch_running_bytes": pw_run_app, "perfwatch_running_bytes_per_sample": pw_run_bps,
            "perfwatch_bytes_right_after_import": after_import,
        }
        vm_txt = f" / VM {vm_bps:.2f}" if vm_bps is not None else ""
        res.add("Disk (bytes/sample, counters+gauges)", f"pw {pw_bps:.2f}{vm_txt}", "<= 2", pw_bps <= 2)
        res.add("Disk while running (bytes/sample)", f"pw {pw_run_bps:.2f} (stopped {pw_bps:.2f}){vm_txt}", "<= 2", pw_run_bps <= 2)

        section("Aggregate queries over the imported range")
        pw = start_perfwatch(args.perfwatch, pw_data, workdir, name="perfwatch-restarted")
        start_s, end_s = payload.start_ms // 1000, payload.end_ms // 1000
        span_s = end_s - start_s + 10
        reps = sizes.repetitions
        # Both count what they stored first (sanity, not timed).
        pw_count = 0
        for fam in gen_prom.FAMILIES:
            r = requests.get(
                pw.url + "/api/v1/query",
                params={"metric": fam, "stat": "count", "from": payload.start_ms, "to": payload.end_ms + 1},
                timeout=300,
            )
            if r.status_code != 200:
                raise BenchError(f"perfwatch count of {fam} -> {r.status_code}: {r.text[:300]}")
            pw_count += sum(p[1] or 0 for s in r.json()["series"] for p in s["points"])
        log(f"perfwatch stored {pw_count:,.0f} of {payload.samples:,} samples")
        if vm:
            r = requests.get(
                vm.url + "/api/v1/query",
                params={"query": f'sum(count_over_time({{__name__=~"bench_.+"}}[{span_s}s]))', "time": end_s},
                timeout=300,
            )
            vm_count = float(r.json()["data"]["result"][0]["value"][1]) if r.status_code == 200 and r.json()["data"]["result"] else 0
            log(f"VictoriaMetrics stored {vm_count:,.0f} of {payload.samples:,} samples")

        queries = [
            (
                "sum of rate, all counter series, 5m step",
                {"metric": gen_prom.COUNTER_FAMILY, "stat": "rate", "from": payload.start_ms, "to": payload.end_ms, "step": "5m"},
                "/api/v1/query_range",
                {"query": f"sum(rate({gen_prom.COUNTER_FAMILY}[5m]))", "start": start_s, "end": end_s, "step": "5m"},
            ),
            (
                "per-series last of a gauge, whole range",
                {"metric": gen_prom.GAUGE_FAMILY, "stat": "last", "from": payload.start_ms, "to": payload.end_ms + 1, "by": "instance"},
                "/api/v1/query_range",
                {"query": f"last_over_time({gen_prom.GAUGE_FAMILY}[{span_s}s])", "start": end_s, "end": end_s, "step": "1m"},
            ),
        ]
        res.data["queries"] = []
        for label, pw_params, vm_path, vm_params in queries:
            pw_s, pw_body = timed_get(pw.url + "/api/v1/query", pw_params, reps)
            line = f"{label}: perfwatch median {pw_s * 1000:.1f} ms ({len(pw_body['series'])} series)"
            entry = {"query": label, "perfwatch_ms": pw_s * 1000}
            if vm:
                vm_s, vm_body = timed_get(vm.url + vm_path, vm_params, reps)
                ratio = pw_s / vm_s
                line += f", VictoriaMetrics median {vm_s * 1000:.1f} ms ({len(vm_body['data']['result'])} series), ratio {ratio:.2f}"
                entry.update(vm_ms=vm_s * 1000, ratio=ratio)
                res.add(f"Query: {label} (median of {reps})", f"pw {pw_s * 1000:.1f} ms / VM {vm_s * 1000:.1f} ms = {ratio:.2f}x", "(info)", None)
            else:
                res.add(f"Query: {label} (median of {reps})", f"pw {pw_s * 1000:.1f} ms (VM skipped)", "(info)", None)
            res.data["queries"].append(entry)
            log(line)
        pw.stop()
    finally:
        for p in (pw, vm):
            if p:
                p.kill()


def bench_json_and_p95(args, sizes: Sizes, res: Results, workdir: str) -> None:
    pw = start_perfwatch(args.perfwatch, os.path.join(workdir, "perfwatch-json"), workdir)
    try:
        section("JSON ingest: POST /api/v1/metrics")
        rng = random.Random(5)
        routes = [f"/api/v1/route-{i}" for i in range(20)]
        base = now_ms() - 9 * 60_000
        bodies = []
        n = 0
        while n < sizes.json_values:
            items = []
            for _ in range(min(sizes.json_batch, sizes.json_values - n)):
                items.append(
                    {
                        "name": "bench.json.duration",
                        "kind": "timing",
                        "value": round(rng.lognormvariate(3.5, 0.8), 2),
                        "unit": "ms",
                        "time": base + n % 480_000,
                        "tags": {"route": routes[n % len(routes)], "service": "web"},
                    }
                )
                n += 1
            bodies.append(json.dumps({"metrics": items}).encode())
        pusher = Pusher(sizes.workers)
        secs, responses = pusher.push(pw.url + "/api/v1/metrics", bodies, {"Content-Type": "application/json"})
        accepted = sum(r.json()["accepted"] for r in responses)
        if accepted != sizes.json_values:
            raise BenchError(f"perfwatch accepted {accepted} of {sizes.json_values} JSON values")
        rate = accepted / secs
        log(f"{accepted:,} values in {len(bodies)} batches of {sizes.json_batch} with {sizes.workers} workers: {secs:.2f}s = {fmt_rate(rate)} values/s")
        res.data["json_values_per_s"] = rate
        res.add(f"JSON ingest ({sizes.json_batch}-value batches, values/s)", fmt_rate(rate), ">= 150,000", rate >= 150_000)

        section("p95 by route: 50 series x 24 h at 1 min step")
        end = (now_ms() - 60_000) // 60_000 * 60_000
        start = end - 24 * 3600_000 + 3 * 60_000
        bodies, batch, count = [], [], 0
        for minute in range(0, 24 * 60 - 3, sizes.p95_every_minutes):
            t = start + minute * 60_000
            for route_i in range(sizes.p95_routes):
                for k in range(sizes.p95_values_per_point):
                    batch.append(
                        {
                            "name": "bench.route.duration",
                            "kind": "timing",
                            "value": round(rng.lognormvariate(3 + route_i % 5 * 0.2, 0.5), 2),
                            "unit": "ms",
                            "time": t + k * 7_000 + route_i,
                            "tags": {"route": f"/r/{route_i}"},
                        }
                    )
                    count += 1
                    if len(batch) == sizes.json_batch:
                        bodies.append(json.dumps({"metrics": batch}).encode())
                        batch = []
        if batch:
            bodies.append(json.dumps({"metrics": batch}).encode())
        secs, responses = pusher.push(pw.url + "/api/v1/metrics", bodies, {"Content-Type": "application/json"})
        accepted = sum(r.json()["accepted"] for r in responses)
        if accepted != count:
            raise BenchError(f"perfwatch accepted {accepted} of {count} values spread over 24 h: {responses[0].text[:300]}")
        log(f"ingested {count:,} timing values over 24 h for {sizes.p95_routes} routes in {secs:.2f}s")
        params = {"metric": "bench.route.duration", "stat": "p95", "by": "route", "from": "-24h", "to": "now", "step": "1m"}
        med, body = timed_get(pw.url + "/api/v1/query", params, sizes.repetitions)
        points = sum(len(s["points"]) for s in body["series"])
        if len(body["series"]) != sizes.p95_routes:
            raise BenchError(f"p95 query returned {len(body['series'])} series, expected {sizes.p95_routes}")
        log(f"p95 by route: median {med * 1000:.1f} ms over {sizes.repetitions} runs ({len(body['series'])} series, {points} points, resolution {body.get('resolution')})")
        res.data["p95_by_route_ms"] = med * 1000
        res.add("p95 by route, 50 series x 24 h @ 1m (median)", f"{med * 1000:.1f} ms", "< 200 ms", med < 0.2)
        res.data["rss_after_json_bytes"] = rss_bytes(pw.proc.pid)
        pw.stop()
    finally:
        pw.kill()


def bench_rss(args, sizes: Sizes, res: Results, workdir: str) -> None:
    section(f"RSS with {sizes.rss_series:,} active series")
    pw = start_perfwatch(args.perfwatch, os.path.join(workdir, "perfwatch-rss"), workdir)
    try:
        base = now_ms() - 5 * 60_000
        bodies, batch = [], []
        for rnd in range(3):
            for i in range(sizes.rss_series):
                batch.append(
                    {
                        "name": f"bench.rss.gauge{i % 10}",
                        "kind": "gauge",
                        "value": (i * 7 + rnd) % 1000,
                        "time": base + rnd * 10_000,
                        "tags": {"instance": f"host-{i // 10:05d}", "region": f"r{i % 4}"},
                    }
                )
                if len(batch) == 1000:
                    bodies.append(json.dumps({"metrics": batch}).encode())
                    batch = []
        if batch:
            bodies.append(json.dumps({"metrics": batch}).encode())
        Pusher(sizes.workers).push(pw.url + "/api/v1/metrics", bodies, {"Content-Type": "application/json"})
        catalog = requests.get(pw.url + "/api/v1/metrics", timeout=60).json()
        series = sum(m["series"] for m in catalog["metrics"] if m["name"].startswith("bench.rss."))
        if series != sizes.rss_series:
            raise BenchError(f"catalog shows {series} bench.rss series, expected {sizes.rss_series}")
        time.sleep(2)
        rss = rss_bytes(pw.proc.pid)
        log(f"{series:,} series (3 samples each): VmRSS {rss / 1e6:.1f} MB")
        res.data["rss_bytes"] = rss
        res.add(f"Server RSS with {sizes.rss_series:,} series", f"{rss / 1e6:.1f} MB", "< 250 MB", rss < 250e6)
        pw.stop()
    finally:
        pw.kill()


def print_summary(res: Results) -> None:
    section("Summary")
    headers = ("figure", "value", "target", "result")
    widths = [max(len(h), *(len(r[i]) for r in res.rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    log(line)
    log("  ".join("-" * w for w in widths))
    for row in res.rows:
        log("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def main() -> int:
    ap = argparse.ArgumentParser(description="Perfwatch benchmark (see Benchmarks/README.md)")
    ap.add_argument("--perfwatch", required=True, help="perfwatch binary")
    ap.add_argument("--build", default="?", help="which build this is (release/debug), for the report")
    ap.add_argument("--vm", default="", help="victoria-metrics binary ('' to skip; allowed with --smoke only)")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, same code paths; for CI")
    ap.add_argument("--out", default=str(HERE / "out"), help="directory for results JSON")
    args = ap.parse_args()
    sizes = SMOKE if args.smoke else FULL
    if not args.vm and not args.smoke:
        log("error: VictoriaMetrics binary not found; install Debian's victoria-metrics")
        return 2
    mode = "smoke" if args.smoke else "full"
    log(f"mode: {mode}; perfwatch: {args.perfwatch} ({args.build} build); "
        f"VictoriaMetrics: {args.vm or 'skipped (not installed)'}; {os.cpu_count()} CPUs")
    if args.build == "debug":
        log("note: a debug build is measured; build with `swift build -c release` for meaningful figures")
    res = Results()
    res.data.update(mode=mode, build=args.build, perfwatch=args.perfwatch, vm=args.vm, sizes=sizes.__dict__)
    return run_benchmarks(
        args, res, "perfwatch-bench-", f"results-{mode}.json",
        lambda workdir: (
            bench_prometheus(args, sizes, res, workdir, args.vm or None),
            bench_json_and_p95(args, sizes, res, workdir),
            bench_rss(args, sizes, res, workdir),
        ),
    )


def run_benchmarks(args, res: Results, workdir_prefix: str, out_name: str, body) -> int:
    """Runs `body(workdir)` in a fresh work directory, prints the summary, writes the results
    JSON to `args.out/out_name`; 1 when something failed to run (logs kept), else 0.
    Shared by bench.py and otlp_bench.py."""
    workdir = tempfile.mkdtemp(prefix=workdir_prefix)
    t0 = time.perf_counter()
    try:
        body(workdir)
    except (BenchError, requests.RequestException, OSError, KeyError, ValueError) as e:
        if res.rows:
            print_summary(res)
        log(f"\nBENCHMARK FAILED TO RUN: {type(e).__name__}: {e}")
        log(f"(server logs kept in {workdir})")
        return 1
    print_summary(res)
    log(f"\nmeasured build: {args.build} ({args.perfwatch}); total {time.perf_counter() - t0:.1f}s")
    os.makedirs(args.out, exist_ok=True)
    out_file = os.path.join(args.out, out_name)
    with open(out_file, "w") as f:
        json.dump({**res.data, "summary": res.rows}, f, indent=2)
    log(f"results: {out_file}")
    if os.environ.get("PERFWATCH_BENCH_KEEP") == "1":
        log(f"work directory kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0

if __name__ == "__main__":
    sys.exit(main())
