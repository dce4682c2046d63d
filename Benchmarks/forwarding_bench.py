#!/usr/bin/env python3
"""Forwarding out (issue 19, docs/forwarding.md): ingest latency with destinations, side by side with the same server without any.

Three `perfwatch serve` processes on the same binary, in one run: "plain" (no forwarding: the peer), "forwarding" (an
OTLP and a Datadog destination, both local sinks answering at once) and "hanging" (an OTLP destination that holds
every request open). The same JSON ingest requests go to each in turn (round-robin, so machine noise hits all three
alike; the order turns each round); the figures are each server's median and p95 request latency and their ratio to "plain". For "forwarding",
also how long after the last request every point had been accepted by both sinks (`perfwatch_forward_sent_total`).
Target: a destination never slows ingest: the hanging server's median within 1.5x of plain's.

usage: forwarding_bench.py --perfwatch BIN [--requests 400] [--points 500] [--no-fsync] [--smoke]
`--smoke` (CI): 60 requests of 100 points.
"""
import argparse
import os
import pathlib
import re
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import BenchError, Proc, Results, free_port, log, now_ms, run_benchmarks, section  # noqa: E402
from synthetic_bench import serve  # noqa: E402  (a server with a config file, ready)


class Sink:
    """A destination: answers 200 (202 for Datadog's path) at once, or holds requests open ("hang")."""

    def __init__(self, hang: bool = False) -> None:
        release = self.release = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if hang:
                    release.wait(600)
                    return
                self.send_response(202 if self.path == "/api/v2/series" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.daemon_threads = True
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()


def sent_total(proc: Proc, destination: str) -> float:
    text = requests.get(proc.url + "/metrics", timeout=10).text
    m = re.search(r'^perfwatch_forward_sent_total\{destination="%s"\} (\S+)$' % re.escape(destination), text, re.M)
    return float(m.group(1)) if m else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--perfwatch", required=True)
    ap.add_argument("--build", default="?")
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--points", type=int, default=500, help="points per request")
    ap.add_argument("--no-fsync", action="store_true", help="storage.fsync off in all three (tells disk effects from CPU)")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()
    if args.smoke:
        args.requests, args.points = 60, 100
    res = Results()
    os.environ["FWD_BENCH_DD_KEY"] = "bench-key"  # the servers inherit it (api_key_env)

    def body(workdir: str) -> None:
        sinks = [Sink(), Sink(), Sink(hang=True)]
        otlp, datadog, hanging = sinks
        servers = []
        try:
            section(f"{args.requests} JSON requests of {args.points} points to each server, round-robin")
            storage = "storage: {fsync: false}\n" if args.no_fsync else ""
            servers.append(serve(args.perfwatch, workdir, "plain", storage + "server:\n  port: 0\n"))
            servers.append(serve(args.perfwatch, workdir, "forwarding", storage + f"""forwarding:
  - {{name: otlp, type: otlp, url: "{otlp.url}", metrics: ["bench_*"]}}
  - {{name: dd, type: datadog, site: "{datadog.url}", api_key_env: FWD_BENCH_DD_KEY, metrics: ["bench_*"]}}
"""))
            servers.append(serve(args.perfwatch, workdir, "hanging", storage + f"""forwarding:
  - {{name: stuck, type: otlp, url: "{hanging.url}", timeout: 10m}}
"""))
            sessions = {s.name: requests.Session() for s in servers}
            latencies: dict[str, list[float]] = {s.name: [] for s in servers}
            base = now_ms() - args.requests * args.points
            t0 = time.monotonic()
            for i in range(args.requests):
                items = [{"name": f"bench_m{j % 20}", "kind": "gauge", "value": i * args.points + j, "time": base + i * args.points + j,
                          "tags": {"series": str(j % 50)}} for j in range(args.points)]
                # The order turns each round: whichever server follows "forwarding" shares the machine with its
                # sinks (threads of this process) and its senders, so no server may always be the one after it.
                for s in servers[i % 3:] + servers[:i % 3]:
                    started = time.perf_counter()
                    r = sessions[s.name].post(s.url + "/api/v1/metrics", json={"metrics": items}, timeout=60)
                    latencies[s.name].append(time.perf_counter() - started)
                    if r.status_code not in (200, 202):
                        raise BenchError(f"{s.name}: ingest answered {r.status_code}: {r.text[:200]}")
            ingest_done = time.monotonic()
            forwarding = servers[1]
            total = args.requests * args.points
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and (sent_total(forwarding, "otlp") < total or sent_total(forwarding, "dd") < total):
                time.sleep(0.05)
            drained = time.monotonic()
            sent = {d: sent_total(forwarding, d) for d in ("otlp", "dd")}
            figures = {}
            for name, values in latencies.items():
                ordered = sorted(values)
                figures[name] = {"median_ms": statistics.median(ordered) * 1000, "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000}
                log(f"{name}: median {figures[name]['median_ms']:.2f} ms, p95 {figures[name]['p95_ms']:.2f} ms")
            plain = figures["plain"]["median_ms"]
            for name in ("forwarding", "hanging"):
                ratio = figures[name]["median_ms"] / plain
                target = "<= 1.5x plain" if name == "hanging" else ""
                res.add(f"ingest median, {name} vs plain (peer)", f"{figures[name]['median_ms']:.2f} ms vs {plain:.2f} ms = {ratio:.2f}x",
                        target, ratio <= 1.5 if name == "hanging" else None)
                res.add(f"ingest p95, {name} vs plain", f"{figures[name]['p95_ms']:.2f} ms vs {figures['plain']['p95_ms']:.2f} ms", "", None)
            all_sent = sent["otlp"] >= total and sent["dd"] >= total
            res.add("points forwarded to both sinks", f"otlp {sent['otlp']:.0f}, datadog {sent['dd']:.0f} of {total}", "all", all_sent)
            res.add("forwarding lag after the last request", f"{drained - ingest_done:.2f} s", "", None)
            res.add("forwarded points/s per destination (first request to all sent)", f"{total / (drained - t0):,.0f}", "", None)
            res.data.update({"requests": args.requests, "points": args.points, "fsync": not args.no_fsync, "figures": figures, "sent": sent,
                             "lag_s": drained - ingest_done, "build": args.build})
        finally:
            for s in servers:
                try:
                    s.stop()
                except BenchError as e:
                    log(str(e))
            for sink in sinks:
                sink.stop()

    return run_benchmarks(args, res, "perfwatch-forwarding-bench-", f"forwarding-results-{'smoke' if args.smoke else 'full'}.json", body)


if __name__ == "__main__":
    sys.exit(main())
