"""PromQL dashboard-query latency side by side: Perfwatch, Prometheus 2.42 and VictoriaMetrics (issue 19).

The same data (Tests/e2e/prom_dataset.py, seeded: 1,013 series × 24 h at 15 s = 5.8 M samples; smoke: 149
series × 1 h) goes into all three in one run: Prometheus through `promtool tsdb create-blocks-from openmetrics`
before it starts, VictoriaMetrics and Perfwatch through `/api/v1/import/prometheus`. Each checks it holds the
same series. Then a fixed set of dashboard queries (rate, sum by, topk, histogram_quantile, each over a 1 h and a
24 h range with Grafana-like steps) runs as POST-form `query_range` through one client, a warm-up and N timed
runs each; prints every system's median, the ratios, and whether the answers agree with Prometheus'.

Targets: Perfwatch's median ≤ 1.5× Prometheus' and ≤ 3× VictoriaMetrics' (per query). Exits 0 even when a
target is missed; non-zero when something failed to run.

    python3 Benchmarks/promql_bench.py --perfwatch .build/release/perfwatch [--smoke]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "Tests" / "e2e"))
import prom_dataset  # noqa: E402
import prom_peers  # noqa: E402


@dataclass
class Sizes:
    scale: int  # prom_dataset's instances per job / 2: 36 series each
    hours: int
    reps: int


FULL = Sizes(scale=7, hours=24, reps=7)
SMOKE = Sizes(scale=1, hours=1, reps=2)

QUERIES = {
    "rate": 'rate(demo_http_requests_total{job="api",code="200"}[5m])',
    "sum by": "sum by (job, route) (rate(demo_http_requests_total[5m]))",
    "topk": "topk(5, sum by (instance) (rate(demo_http_requests_total[5m])))",
    "histogram_quantile": "histogram_quantile(0.95, sum by (le, route) (rate(demo_request_duration_seconds_bucket[5m])))",
}
# (label, range, step): Grafana asks for about one point per pixel of an ~800 px panel, at least the scrape step.
RANGES = [("1h", 3600, 15), ("24h", 86400, 120)]


def log(message: str = "") -> None:
    print(message, flush=True)


def start_perfwatch(binary: str) -> prom_peers.Peer:
    workdir = tempfile.mkdtemp(prefix="promside-perfwatch-")
    port = prom_peers.free_port()
    return prom_peers.Peer.launch("perfwatch", [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data",
                                                f"{workdir}/data"], f"http://127.0.0.1:{port}", "/healthz", workdir)


def series_count(peer: prom_peers.Peer, start_s: float, end_s: float) -> int:
    status, body = peer.client.get("/api/v1/series", {"match[]": '{__name__=~"demo_.+"}', "start": start_s, "end": end_s})
    if status != 200 or body is None:
        raise prom_peers.PeerError(f"{peer.name} /api/v1/series answered {status}: {str(body)[:300]}")
    return len(body["data"])


def timed_range(peer: prom_peers.Peer, query: str, start_s: float, end_s: float, step_s: float, reps: int) -> tuple[float, dict]:
    """Median seconds of `reps` POST-form range queries after one warm-up, and the last answer's data."""
    times, data = [], None
    for i in range(reps + 1):
        t0 = time.perf_counter()
        status, body = peer.client.range(query, start_s, end_s, step_s)
        elapsed = time.perf_counter() - t0
        if status != 200 or body is None or body.get("status") != "success":
            raise prom_peers.PeerError(f"{peer.name}: {query} answered {status}: {str(body)[:300]}")
        data = body["data"]
        if i:
            times.append(elapsed)
    return statistics.median(times), data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--perfwatch", required=True)
    parser.add_argument("--build", default="?", help="debug or release (printed with the figures)")
    parser.add_argument("--vm", default=None, help="victoria-metrics binary (default: PATH or /usr/bin)")
    parser.add_argument("--prometheus", default=None, help="prometheus binary (default: PATH or /usr/bin)")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL

    end_ms = (int(time.time()) // 60) * 60_000 - 2 * 60_000
    start_ms = end_ms - sizes.hours * 3_600_000
    t0 = time.perf_counter()
    dataset = prom_dataset.generate(start_ms, end_ms, scale=sizes.scale)
    log(f"data: {len(dataset.series):,} series × {sizes.hours} h at 15 s = {dataset.sample_count:,} samples "
        f"(generated in {time.perf_counter() - t0:.1f}s); perfwatch build: {args.build}")

    peers: list[prom_peers.Peer] = []
    try:
        t0 = time.perf_counter()
        peers.append(prom_peers.start_prometheus(dataset, args.prometheus))
        log(f"Prometheus 2.42: blocks made and server ready in {time.perf_counter() - t0:.1f}s")
        vm_binary = args.vm or prom_peers.find_binary("victoria-metrics")
        if vm_binary:
            vm = prom_peers.start_victoria_metrics(vm_binary)
            peers.append(vm)
            t0 = time.perf_counter()
            prom_peers.import_exposition(vm.url, dataset.exposition_chunks())
            prom_peers.flush_victoria_metrics(vm.url)
            log(f"VictoriaMetrics: imported in {time.perf_counter() - t0:.1f}s")
        elif not args.smoke:
            raise prom_peers.PeerError("victoria-metrics is not installed (apt-get install victoria-metrics)")
        else:
            log("victoria-metrics is not installed: skipping its side of the smoke run")
        perfwatch = start_perfwatch(args.perfwatch)
        peers.append(perfwatch)
        t0 = time.perf_counter()
        prom_peers.import_exposition(perfwatch.url, dataset.exposition_chunks())
        log(f"Perfwatch: imported in {time.perf_counter() - t0:.1f}s")

        start_s, end_s = start_ms / 1000, end_ms / 1000
        counts = {p.name: series_count(p, start_s, end_s) for p in peers}
        log(f"series held: {counts}")
        if len(set(counts.values())) != 1:
            raise prom_peers.PeerError(f"the systems hold different series counts: {counts}")

        rows = []
        for label, span_s, step_s in RANGES:
            span_s = min(span_s, end_s - start_s)
            for name, query in QUERIES.items():
                medians, answers = {}, {}
                for peer in peers:
                    medians[peer.name], answers[peer.name] = timed_range(peer, query, end_s - span_s, end_s, step_s, sizes.reps)
                agrees = not prom_peers.compare(answers["prometheus"], answers["perfwatch"], rel=1e-9)
                rows.append((f"{name} over {label}", medians, agrees))
                figures = "  ".join(f"{n} {m * 1000:8.1f} ms" for n, m in medians.items())
                log(f"{name + ' over ' + label:32s} {figures}  {'same answer' if agrees else 'ANSWER DIFFERS from Prometheus'}")

        log("\nmedian of each query (ms) and Perfwatch's ratios; targets ≤ 1.5× Prometheus, ≤ 3× VictoriaMetrics")
        log(f"{'query':32s} {'perfwatch':>10s} {'prometheus':>10s} {'vm':>10s} {'÷prom':>7s} {'÷vm':>7s}  verdict")
        for title, medians, agrees in rows:
            pw, prom, vm_ = medians["perfwatch"], medians["prometheus"], medians.get("victoria-metrics")
            ratio_prom = pw / prom
            ratio_vm = pw / vm_ if vm_ else None
            ok = ratio_prom <= 1.5 and (ratio_vm is None or ratio_vm <= 3)
            log(f"{title:32s} {pw * 1000:10.1f} {prom * 1000:10.1f} {(vm_ or 0) * 1000:10.1f} {ratio_prom:6.2f}x "
                f"{(f'{ratio_vm:6.2f}x' if ratio_vm else '   n/a'):>7s}  {'PASS' if ok else 'MISS'}"
                f"{'' if agrees else ' (answer differs)'}")
        overall_pw = statistics.median(m["perfwatch"] for _, m, _ in rows)
        overall_prom = statistics.median(m["prometheus"] for _, m, _ in rows)
        log(f"median over all queries: perfwatch {overall_pw * 1000:.1f} ms, prometheus {overall_prom * 1000:.1f} ms "
            f"({overall_pw / overall_prom:.2f}x){'' if args.build == 'release' else ' — measured on a ' + args.build + ' build'}")
        return 0
    except (prom_peers.PeerError, requests.RequestException) as e:
        log(f"error: {e}")
        return 1
    finally:
        for peer in reversed(peers):
            peer.stop()


if __name__ == "__main__":
    sys.exit(main())
