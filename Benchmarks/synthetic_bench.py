#!/usr/bin/env python3
"""Server CPU and memory for synthetic HTTP checks (issue 20): 100 checks every 30 s against a local site.

Two `perfwatch serve` processes side by side in one run, on the same binary: one with the checks configured, one
without (the baseline: an idle server still runs its own services). Each is measured over the same window after a
warm-up round: CPU time of the server process (user + system) over wall time, as % of one core, and RSS at the end.
The checks' cost is the difference. The target site (a threaded Python server answering "ready") counts the
requests it got, so the figure says how many checks ran.
Target (issue 20): the checks cost < 5% of one core.

usage: synthetic_bench.py --perfwatch BIN [--checks 100] [--interval 30] [--seconds 120] [--smoke]
`--smoke` (CI): 20 checks every 2 s, measured for 6 s.
"""
import argparse
import os
import pathlib
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import Proc, Results, cpu_seconds, free_port, log, rss_bytes, run_benchmarks, section  # noqa: E402


class Site:
    """The checked site: every path answers 200 "ready"; counts requests."""

    def __init__(self) -> None:
        self.requests = 0
        lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                with lock:
                    site.requests += 1
                body = b"ready"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.daemon_threads = True
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def serve(binary: str, workdir: str, name: str, config: str) -> Proc:
    port = free_port()
    config_path = os.path.join(workdir, f"{name}.yml")
    pathlib.Path(config_path).write_text(config)
    proc = Proc(name, [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", os.path.join(workdir, name),
                       "--config", config_path], f"http://127.0.0.1:{port}", "/healthz", workdir)
    proc.wait_ready()
    return proc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--perfwatch", required=True)
    ap.add_argument("--build", default="?")
    ap.add_argument("--checks", type=int, default=100)
    ap.add_argument("--interval", type=int, default=30, help="seconds between runs of one check")
    ap.add_argument("--seconds", type=int, default=120, help="measurement window after one warm-up interval")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()
    if args.smoke:
        args.checks, args.interval, args.seconds = 20, 2, 6
    res = Results()

    def body(workdir: str) -> None:
        site = Site()
        checks = "\n".join(
            f'    - {{name: c{i}, url: "http://127.0.0.1:{site.port}/p/{i}", body_contains: ready, interval: {args.interval}s, '
            f'timeout: {min(args.interval, 5)}s}}' for i in range(args.checks))
        servers = []
        try:
            section(f"{args.checks} HTTP checks every {args.interval} s, measured over {args.seconds} s after {args.interval} s warm-up")
            baseline = serve(args.perfwatch, workdir, "idle", "server:\n  port: 0\n")
            servers.append(baseline)
            checked = serve(args.perfwatch, workdir, "checks", f"synthetic:\n  checks:\n{checks}\n")
            servers.append(checked)
            time.sleep(args.interval + 1)  # every check has started (jittered within its interval)
            before = {s.name: cpu_seconds(s.proc.pid) for s in servers}
            requests_before = site.requests
            t0 = time.monotonic()
            time.sleep(args.seconds)
            wall = time.monotonic() - t0
            figures = {}
            for s in servers:
                figures[s.name] = {"cpu_pct": (cpu_seconds(s.proc.pid) - before[s.name]) / wall * 100, "rss": rss_bytes(s.proc.pid)}
            ran = site.requests - requests_before
            expected = args.checks * wall / args.interval
            log(f"checks run in the window: {ran} (expected about {expected:.0f})")
            for name, f in figures.items():
                log(f"{name}: {f['cpu_pct']:.2f}% of one core, RSS {f['rss'] / 2**20:.1f} MiB")
            added = figures["checks"]["cpu_pct"] - figures["idle"]["cpu_pct"]
            res.add("checks run in the window", f"{ran} of ~{expected:.0f}", ">= 90% of the schedule", ran >= 0.9 * expected)
            res.add("server CPU, % of one core", f"with checks {figures['checks']['cpu_pct']:.2f}%, idle {figures['idle']['cpu_pct']:.2f}%", "", None)
            res.add("the checks' cost (difference)", f"{added:.2f}% of one core", "< 5%", added < 5.0)
            res.add("server RSS", f"with checks {figures['checks']['rss'] / 2**20:.1f} MiB, idle {figures['idle']['rss'] / 2**20:.1f} MiB", "", None)
            res.data.update({"checks": args.checks, "interval": args.interval, "seconds": args.seconds, "ran": ran, "figures": figures,
                             "build": args.build})
        finally:
            for s in servers:
                s.stop()
            site.stop()

    return run_benchmarks(args, res, "perfwatch-synthetic-bench-", f"synthetic-results-{'smoke' if args.smoke else 'full'}.json", body)


if __name__ == "__main__":
    sys.exit(main())
