"""Perfwatch RUM beacon ingest benchmark: beacons per second through POST /api/v1/rum.

The client is `perfwatch load` (the same binary, open model, keep-alive connections) sending
realistic page-view beacons (docs/formats/rum-beacon.md) for 200 pages from phone, tablet and
desktop user agents. The rate limit per address is raised for the run (every beacon comes
from 127.0.0.1 here, unlike real traffic). The client shares the machine's cores with the
server, so the figure is a lower bound for a server on its own machine.

Connections: 512. A site sending 20,000 beacons/s has tens of thousands of browsers, each
with its own connection; every beacon waits for its group commit (fsynced), so a few
connections would measure commit latency, not ingest (128 capped the rate near 14k/s).

The beacons run twice, on two servers: answered on the event loop (`BeaconFastPath`, the
default) and through the router (`rum.fast_path: false`), same client and rate: the ratio is
what the fast path buys.

    python3 Benchmarks/rum_ingest_bench.py --perfwatch .build/release/perfwatch [--smoke]
Exits 0 even when the target is missed; non-zero only when something failed to run.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench import BenchError, Proc, Results, free_port, log, run_benchmarks, section  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
TARGET = 20_000
AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(args, workdir: str, name: str, fast_path: bool) -> Proc:
    config = pathlib.Path(workdir, f"{name}.yml")
    config.write_text("rum:\n  rate_limit: {per_second: 100000000, burst: 100000000}\n"
                      f"  fast_path: {'true' if fast_path else 'false'}\n")
    port = free_port()
    server = Proc(
        f"perfwatch-{name}",
        [args.perfwatch, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", os.path.join(workdir, name),
         "--config", str(config)],
        f"http://127.0.0.1:{port}", "/healthz", workdir)
    server.wait_ready()
    return server


def load(args, workdir: str, server: Proc, name: str, rate: str, step: str) -> tuple[int, float, float, dict]:
    """Runs `perfwatch load` with one request per iteration; returns (ok, seconds, server CPU, report)."""
    duration = "3s" if args.smoke else "15s"
    scenario = pathlib.Path(workdir, f"{name}.yml")
    scenario.write_text(
        "config:\n"
        f"  name: {name}\n  target: {server.url}\n"
        f"  phases: [{{duration: {duration}, arrivalRate: {rate}}}]\n"
        f"  connections: {args.connections}\n  queue: 400000\n"
        "  payload: {path: pages.csv, fields: [page, agent, lcp], skipHeader: true}\n"
        "scenarios:\n"
        "  - flow:\n" + step)
    report_path = pathlib.Path(workdir, f"{name}.json")
    cpu0 = cpu_seconds(server.proc.pid)
    t0 = time.perf_counter()
    run = subprocess.run(
        [args.perfwatch, "load", str(scenario), "--threads", "1", "--out", str(report_path)],
        cwd=workdir, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    cpu = cpu_seconds(server.proc.pid) - cpu0
    log(run.stdout[-1500:])
    if run.returncode not in (0, 1) or not report_path.exists():
        raise BenchError(f"perfwatch load failed ({run.returncode}): {run.stderr[-2000:]}")
    report = json.loads(report_path.read_text())
    total = report["total"]
    ok = total["count"] - total["errors"]
    seconds = (report["endMs"] - report["startMs"]) / 1000
    log(f"{name}: {ok:,} answered in {seconds:.1f}s = {ok / seconds:,.0f}/s; errors {total['errors']}; dropped {report['dropped']:,}; "
        f"server CPU {cpu:.1f}s = {cpu * 1e6 / max(ok, 1):.0f} µs per request (wall {wall:.1f}s)")
    return ok, seconds, cpu, report


def beacons(args, workdir: str, server: Proc, name: str) -> tuple[float, float, dict]:
    """Offers beacons on `server`; checks every accepted one is stored; returns (per second, µs CPU each, report)."""
    key = requests.get(server.url + "/api/v1/rum/setup", timeout=10).json()["key"]
    beacon = (
        '{"v":1,"key":"' + key + '","pv":"pv{{ page }}","sid":"s1","url":"{{ page }}","rel":"2026.11.3",'
        '"t":1795381356251,"vw":1280,"vh":757,"ct":"4g",'
        '"vitals":{"lcp":{{ lcp }},"fcp":412.5,"cls":0.031,"inp":96,"ttfb":88.1},"nt":"navigate",'
        '"nav":{"dns":0,"connect":0,"request":41.8,"response":14.3,"dom":174.6,"load":1884.6},"tbt":42,'
        '"res":{"script":{"n":6,"b":412310,"d":1310403},"stylesheet":{"n":2,"b":43511,"d":201135},'
        '"image":{"n":9,"b":753733,"d":753133},"font":{"n":2,"b":61022,"d":60984}}}'
    )
    rate = "500/s" if args.smoke else f"{args.rate}/s"
    section(f"RUM beacon ingest ({name}): perfwatch load, open model at {rate}, {args.connections} connections")
    ok, seconds, cpu, report = load(
        args, workdir, server, name, rate,
        "      - post:\n"
        "          url: /api/v1/rum\n"
        f"          body: {json.dumps(beacon)}\n"
        "          headers: {Content-Type: text/plain, User-Agent: \"{{ agent }}\"}\n"
        "          expect: {status: 202}\n")
    stored = requests.get(server.url + "/api/v1/query", params={"metric": "rum.page_views", "stat": "sum", "from": "-10m"},
                          timeout=60).json()["series"]
    counted = sum(s["points"][0][1] for s in stored)
    log(f"rum.page_views stored: {counted:,.0f} (accepted {ok:,})")
    # Requests still in flight when the client's duration ends are stored but not counted
    # as accepted by the client: at most one per connection.
    if not ok <= counted <= ok + args.connections:
        raise BenchError(f"stored page views {counted} != accepted beacons {ok} (+ up to {args.connections} in flight)")
    return ok / seconds, cpu * 1e6 / max(ok, 1), report


def bench(args, res: Results, workdir: str) -> None:
    rows = ["page,agent,lcp"]
    for i in range(600):
        rows.append(f"/courses/{i % 200}/lesson/{i},{AGENTS[i % 3]},{800 + (i * 37) % 4000}")
    pathlib.Path(workdir, "pages.csv").write_text("\n".join(rows) + "\n")

    server = start(args, workdir, "fast", fast_path=True)
    try:
        # The floor: the same client, connections and server answering GET /healthz through
        # the router, offered more than the machine can serve.
        floor_rate = "1000/s" if args.smoke else f"{args.floor_rate}/s"
        section(f"HTTP floor: GET /healthz through the router, open model at {floor_rate}, {args.connections} connections")
        floor_ok, floor_s, floor_cpu, _ = load(args, workdir, server, "healthz", floor_rate,
                                               "      - get: {url: /healthz, expect: {status: 200}}\n")
        floor_rps = floor_ok / floor_s
        rate_ok, cpu_us, report = beacons(args, workdir, server, "fast")
        server.stop()
    finally:
        server.kill()
    server = start(args, workdir, "router", fast_path=False)
    try:
        router_ok, router_us, _ = beacons(args, workdir, server, "router")
        server.stop()
    finally:
        server.kill()

    log(f"accepted {rate_ok:,.0f} beacons/s at {cpu_us:.0f} µs server CPU each; through the router {router_ok:,.0f}/s at "
        f"{router_us:.0f} µs; GET /healthz through the router {floor_rps:,.0f}/s at {floor_cpu * 1e6 / max(floor_ok, 1):.0f} µs")
    total = report["total"]
    res.add("RUM beacons accepted per second (client on the same 2 cores)", f"{rate_ok:,.0f}", f">= {TARGET:,}", rate_ok >= TARGET)
    res.add("  server CPU per beacon", f"{cpu_us:.0f} µs", "(info)", None)
    res.add("  corrected p99 latency at that rate", f"{total['latency']['p99']:.1f} ms", "(info)", None)
    res.add("  peer: same beacons through the router (rum.fast_path: false)", f"{router_ok:,.0f}/s at {router_us:.0f} µs", "(peer)", None)
    res.add("  fast path vs router: beacons/s", f"{rate_ok / router_ok:.2f}x", "(info)", None)
    res.add("  fast path vs router: server CPU per beacon", f"{router_us / cpu_us:.2f}x less", "(info)", None)
    res.add("  floor: GET /healthz through the router (req/s)", f"{floor_rps:,.0f}", "(info)", None)
    res.add("  floor: server CPU per /healthz request", f"{floor_cpu * 1e6 / max(floor_ok, 1):.0f} µs", "(info)", None)
    res.data["floor"] = {"requests_per_s": floor_rps, "server_cpu_us": floor_cpu * 1e6 / max(floor_ok, 1)}
    res.data["beacons"] = {"per_s": rate_ok, "server_cpu_us": cpu_us}
    res.data["beacons_router"] = {"per_s": router_ok, "server_cpu_us": router_us}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--perfwatch", required=True)
    ap.add_argument("--build", default="?")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--rate", type=int, default=22000, help="offered beacons per second (open model)")
    ap.add_argument("--floor-rate", type=int, default=30000, help="offered GET /healthz per second for the floor (open model)")
    ap.add_argument("--connections", type=int, default=512)
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()
    args.perfwatch = os.path.abspath(args.perfwatch)  # the load client runs in the work directory
    res = Results()
    res.data.update(build=args.build, perfwatch=args.perfwatch)
    return run_benchmarks(args, res, "perfwatch-rum-bench-", f"rum-ingest-{'smoke' if args.smoke else 'full'}.json",
                          lambda workdir: bench(args, res, workdir))


if __name__ == "__main__":
    sys.exit(main())
