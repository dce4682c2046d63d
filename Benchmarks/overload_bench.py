#!/usr/bin/env python3
"""Overload and slow clients: what the server does at 5x the ingest it can absorb, and
while 500 connections trickle their headers (issue 13, "Build" item 6 and slowloris).

  python3 Benchmarks/overload_bench.py [--perfwatch BIN] [--seconds 30] [--smoke]
                                       [--mode overload|slowloris|both]

Overload: first measures capacity (accepted points/s with a few clients sending JSON
batches back to back), then offers ~5x that from many paced clients for --seconds while
one process probes /healthz every 50 ms and runs a percentile query every second (its own
process, so the load threads do not delay its clock).
Prints the answer mix (2xx/429/503/other), whether every refusal had Retry-After, answer
latency (avg/max), points accepted per second against capacity, the server's peak RSS
(VmHWM), /healthz latency (max, p99) and query latency (max).

Slowloris: 500 connections send one header byte every second; meanwhile one normal client
sends /healthz and small ingest requests back to back. Prints requests served to it, its
worst latency, and how many trickling connections the server closed (header timeout).

Exits 0 even when a target is missed; non-zero only when something failed to run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg: str = "") -> None:
    print(msg, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vm_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Server:
    def __init__(self, binary: str, config: str | None):
        self.dir = tempfile.mkdtemp(prefix="perfwatch-overload-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data", os.path.join(self.dir, "data")]
        if config:
            path = os.path.join(self.dir, "perfwatch.yml")
            with open(path, "w") as f:
                f.write(config)
            args += ["--config", path]
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("perfwatch did not start; log in " + self.dir)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def make_bodies(batch: int, count: int) -> list[bytes]:
    now = int(time.time() * 1000)
    bodies = []
    for b in range(count):
        items = [
            {
                "name": "overload.duration",
                "kind": "timing",
                "value": 1 + (i * 7919 + b) % 997,
                "time": now - (i % 60_000),
                "tags": {"route": f"/r{i % 20}", "client": str(b % 8)},
            }
            for i in range(batch)
        ]
        bodies.append(json.dumps({"metrics": items}).encode())
    return bodies


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.mix: dict[str, int] = {}
        self.refusals_without_retry_after = 0
        self.latencies: list[float] = []
        self.accepted = 0

    def add(self, status: str, latency: float, accepted: int = 0, retry_after: bool = True) -> None:
        with self.lock:
            self.mix[status] = self.mix.get(status, 0) + 1
            self.latencies.append(latency)
            self.accepted += accepted
            if not retry_after:
                self.refusals_without_retry_after += 1


def send(session: requests.Session, url: str, body: bytes, tally: Tally) -> None:
    started = time.monotonic()
    try:
        r = session.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=60)
    except requests.RequestException:
        tally.add("error", time.monotonic() - started)
        return
    latency = time.monotonic() - started
    if 200 <= r.status_code < 300:
        tally.add("2xx", latency, r.json().get("accepted", 0))
    elif r.status_code in (429, 503):
        tally.add(str(r.status_code), latency, retry_after="retry-after" in r.headers)
    else:
        tally.add(str(r.status_code), latency)


def capacity(server: Server, bodies: list[bytes], batch: int, seconds: float, clients: int) -> float:
    tally = Tally()
    stop = time.monotonic() + seconds

    def run(n: int) -> None:
        session = requests.Session()
        i = n
        while time.monotonic() < stop:
            send(session, server.url + "/api/v1/metrics", bodies[i % len(bodies)], tally)
            i += clients

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally.accepted / (time.monotonic() - started)


def probe(url: str, every: float, stop: threading.Event, out: list[float], failures: list[str]) -> None:
    session = requests.Session()
    while not stop.is_set():
        started = time.monotonic()
        try:
            r = session.get(url, timeout=30)
            if r.status_code != 200:
                failures.append(str(r.status_code))
        except requests.RequestException as e:
            failures.append(type(e).__name__)
        out.append(time.monotonic() - started)
        stop.wait(every)


def probes(health_url: str, query_url: str, stop, results) -> None:
    """Runs in its own process, so the load threads' GIL does not delay the probes' clocks."""
    stop_thread = threading.Event()
    health: list[float] = []
    health_failures: list[str] = []
    query: list[float] = []
    query_failures: list[str] = []
    threads = [
        threading.Thread(target=probe, args=(health_url, 0.05, stop_thread, health, health_failures)),
        threading.Thread(target=probe, args=(query_url, 1.0, stop_thread, query, query_failures)),
    ]
    for t in threads:
        t.start()
    stop.wait()
    stop_thread.set()
    for t in threads:
        t.join()
    results.put((health, health_failures, query, query_failures))


def overload(args, binary: str) -> None:
    server = Server(binary, args.config)
    try:
        bodies = make_bodies(args.batch, 16)
        log(f"bodies: {args.batch} points, {len(bodies[0]) / 1024:.0f} KiB each")
        cap = capacity(server, bodies, args.batch, args.calibrate, 4)
        log(f"capacity: {cap:,.0f} points/s (4 clients back to back for {args.calibrate:.0f} s)")
        offered_rps = 5 * cap / args.batch
        log(f"offering 5x: {offered_rps:.1f} requests/s ({5 * cap:,.0f} points/s) from {args.clients} clients for {args.seconds:.0f} s")
        rss_before = vm_kb(server.proc.pid, "VmRSS")
        tally = Tally()
        query_url = server.url + "/api/v1/query?metric=overload.duration&stat=p95&from=-5m&to=now"
        stop = multiprocessing.Event()
        results = multiprocessing.Queue()
        prober = multiprocessing.Process(target=probes, args=(server.url + "/healthz", query_url, stop, results))
        prober.start()
        interval = args.clients / offered_rps
        end = time.monotonic() + args.seconds

        def client(n: int) -> None:
            session = requests.Session()
            next_at = time.monotonic() + interval * n / args.clients
            i = n
            while True:
                now = time.monotonic()
                if now >= end:
                    return
                if next_at > now:
                    time.sleep(next_at - now)
                next_at += interval
                send(session, server.url + "/api/v1/metrics", bodies[i % len(bodies)], tally)
                i += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        stop.set()
        health, health_failures, query, query_failures = results.get(timeout=120)
        prober.join()
        peak = vm_kb(server.proc.pid, "VmHWM")
        rss_after = vm_kb(server.proc.pid, "VmRSS")
        rate = tally.accepted / elapsed
        refusals = tally.mix.get("429", 0) + tally.mix.get("503", 0)
        log("")
        log("== overload ==")
        log(f"offered: {len(tally.latencies) / elapsed:.1f} requests/s (asked {offered_rps:.1f})")
        log(f"answers: {dict(sorted(tally.mix.items()))} in {elapsed:.1f} s")
        log(f"Retry-After on refusals: {refusals - tally.refusals_without_retry_after} of {refusals}")
        log(f"answer latency: avg {statistics.mean(tally.latencies) * 1000:.0f} ms, max {max(tally.latencies) * 1000:.0f} ms")
        log(f"accepted: {rate:,.0f} points/s = {rate / cap * 100:.0f}% of capacity ({cap:,.0f})")
        log(f"RSS: {rss_before / 1024:.0f} MB before, {rss_after / 1024:.0f} MB after, peak (VmHWM) {peak / 1024:.0f} MB")
        log(f"/healthz: {len(health)} probes, max {max(health) * 1000:.0f} ms, p99 {percentile(health, 99) * 1000:.0f} ms, failures {len(health_failures)}")
        log(f"query p95: {len(query)} runs, max {max(query) * 1000:.0f} ms, failures {query_failures[:5]}")
        log("targets: refusals with Retry-After; no answer > a few s; accepted >= ~90% of capacity; peak RSS a few hundred MB;"
            " /healthz max < 100 ms; query < 1 s")
    finally:
        server.stop()


def slowloris(args, binary: str) -> None:
    server = Server(binary, args.config)
    try:
        count = args.slow_connections
        socks = []
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
            socks.append(s)
        log(f"{count} connections trickling one header byte per second for {args.seconds:.0f} s")
        stop = threading.Event()
        closed = set()

        def trickle() -> None:
            while not stop.is_set():
                for i, s in enumerate(socks):
                    if i in closed:
                        continue
                    try:
                        s.send(b"X")
                    except OSError:
                        closed.add(i)
                stop.wait(1.0)

        trickler = threading.Thread(target=trickle)
        trickler.start()
        session = requests.Session()
        served = 0
        failures = 0
        latencies = []
        body = make_bodies(10, 1)[0]
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            started = time.monotonic()
            try:
                ok = session.get(server.url + "/healthz", timeout=10).status_code == 200
                ok = ok and session.post(server.url + "/api/v1/metrics", data=body, headers={"Content-Type": "application/json"}, timeout=10).status_code == 200
                served += 2 if ok else 0
                failures += 0 if ok else 1
            except requests.RequestException:
                failures += 1
            latencies.append(time.monotonic() - started)
        stop.set()
        trickler.join()
        for i, s in enumerate(socks):
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
            s.close()
        log("")
        log("== slowloris ==")
        log(f"served to a normal client meanwhile: {served} requests ({served / args.seconds:.0f}/s), failures {failures},"
            f" worst pair {max(latencies) * 1000:.0f} ms")
        log(f"trickling connections closed by the server: {len(closed)} of {count}")
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--perfwatch", help="binary (default .build/release/perfwatch, else .build/debug/perfwatch)")
    parser.add_argument("--mode", choices=["overload", "slowloris", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--calibrate", type=float, default=10)
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--slow-connections", type=int, default=500)
    parser.add_argument("--config", help="YAML text for the server's config file")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, same code paths")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.calibrate, args.clients, args.batch, args.slow_connections = 4, 2, 8, 500, 50
    binary = args.perfwatch
    if not binary:
        release = os.path.join(ROOT, ".build", "release", "perfwatch")
        binary = release if os.path.exists(release) else os.path.join(ROOT, ".build", "debug", "perfwatch")
    log(f"binary: {binary}")
    try:
        if args.mode in ("overload", "both"):
            overload(args, binary)
        if args.mode in ("slowloris", "both"):
            slowloris(args, binary)
    except Exception as e:  # noqa: BLE001 - a benchmark reports and exits non-zero
        log(f"failed: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
