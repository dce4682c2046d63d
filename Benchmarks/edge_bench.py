#!/usr/bin/env python3
"""`perfwatch edge` side by side with Debian's nginx 1.22 as a reverse proxy, in one run.

Both proxies stand in front of the same upstream (an nginx serving a 1 KiB JSON file, keep-alive) and
are measured with the same client, connections and cores:

- pass-through throughput: wrk, closed loop, `--connections` connections on /pass/item.json
  (nginx: `proxy_pass` to an `upstream` block with `keepalive`; the edge: its keep-alive pool)
- added latency at half load: `perfwatch load` in its open model at half of each proxy's own pass-through
  throughput, p99 through the proxy minus p99 straight to the upstream at the same rate
- cache-hit throughput: wrk on /cached/item.json (nginx: `proxy_cache`; the edge: a local policy
  caching /cached/* for 10 min), after one warming request
- RSS with `--idle` idle keep-alive connections (each made one request first): the edge's process,
  nginx's master + workers

nginx runs as many workers as the machine has cores, the edge its default event loops (one per
core). The edge runs without a Perfwatch server (no telemetry export), like nginx without logging.
Targets (issue 16): pass-through and cache-hit >= 0.8x nginx, added p99 <= 1 ms, RSS bounded.

    Benchmarks/edge_bench.py --perfwatch .build/release/perfwatch [--build release] [--seconds 10]
                             [--connections 64] [--idle 10000] [--only nginx|edge] [--with-full-path] [--smoke]

`--with-full-path` adds a third side: the same edge with `--no-fast-path` (every request through NIO's HTTP
codec, as before the byte-level fast path), so before and after are measured in one run.

`--smoke` (CI): 2 s runs, 16 connections, 300 idle connections. Exit 1 if something failed to run.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import BenchError, Results, cpu_seconds, free_port, log, rss_bytes, run_benchmarks, section  # noqa: E402
from load_bench import perfwatch as load_at_rate, wrk  # noqa: E402

ITEM = json.dumps({"id": 42, "title": "Course 42", "lessons": [{"n": n, "title": f"Lesson {n}"} for n in range(30)]})


def nginx_binary() -> str:
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(path):
        raise BenchError("nginx is not installed (apt-get install nginx)")
    return path


def nginx_version() -> str:
    out = subprocess.run([nginx_binary(), "-v"], capture_output=True, text=True)
    return (out.stderr or out.stdout).strip().replace("nginx version: ", "")


def wait_port(port: int, what: str, proc: subprocess.Popen, log_path: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{what} exited with {proc.returncode}:\n{pathlib.Path(log_path).read_text(errors='replace')[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise BenchError(f"{what} did not listen on {port} within {timeout:.0f}s")


class Nginx:
    """An nginx with its own prefix directory; `server_block` is the body of its `http {}`."""

    def __init__(self, workdir: str, name: str, port: int, server_block: str, workers: str = "1") -> None:
        self.prefix = os.path.join(workdir, name)
        os.makedirs(self.prefix, exist_ok=True)
        os.chmod(workdir, 0o755)
        os.chmod(self.prefix, 0o755)  # workers drop to `nobody` when started as root
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        temp = "".join(f"    {kind}_temp_path {self.prefix}/{kind}_temp;\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        conf = os.path.join(self.prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes {workers};
worker_rlimit_nofile 40000;
daemon off;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/error.log warn;
events {{ worker_connections 30000; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
{temp}{server_block}
}}
""")
        self.log_path = os.path.join(self.prefix, "error.log")
        self.proc = subprocess.Popen([nginx_binary(), "-c", conf, "-p", self.prefix],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(port, name, self.proc, self.log_path)

    def _pids(self) -> list[int]:
        children = pathlib.Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return [self.proc.pid, *map(int, children)]

    def rss(self) -> int:
        return sum(rss_bytes(pid) for pid in self._pids())

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self._pids())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def start_upstream(workdir: str) -> Nginx:
    root = os.path.join(workdir, "www")
    for folder in ("pass", "cached"):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        with open(os.path.join(root, folder, "item.json"), "w") as f:
            f.write(ITEM)
    for path in (root, os.path.join(root, "pass"), os.path.join(root, "cached")):
        os.chmod(path, 0o755)
    port = free_port()
    return Nginx(workdir, "upstream", port, f"""    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {root};
        types {{ application/json json; }}
        etag off;
        location / {{ }}
    }}""")


def start_nginx_proxy(workdir: str, upstream: Nginx) -> Nginx:
    port = free_port()
    return Nginx(workdir, "nginx-proxy", port, f"""    upstream app {{
        server 127.0.0.1:{upstream.port};
        keepalive 128;
    }}
    proxy_cache_path {workdir}/nginx-proxy/cache keys_zone=edge:10m max_size=100m inactive=10m;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        location /pass/ {{ proxy_pass http://app; }}
        location /cached/ {{
            proxy_pass http://app;
            proxy_cache edge;
            proxy_cache_valid 200 10m;
            add_header X-Cache $upstream_cache_status;
        }}
    }}""", workers="auto")


class EdgeProcess:
    """`perfwatch edge --config edge.yml` with one upstream and, by default, a cache rule for /cached/*
    (`policy`: the rest of the file, e.g. image_bench.py's image rule)."""

    def __init__(self, binary: str, workdir: str, upstream: Nginx,
                 policy: str = "routes:\n  - match: /cached/*\n    cache: {ttl: 10m}\n",
                 extra: tuple[str, ...] = (), name: str = "edge") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = os.path.join(workdir, f"{name}.yml")
        with open(config, "w") as f:
            f.write(f"listen: 127.0.0.1:{self.port}\nupstreams:\n  - {upstream.url}\n{policy}")
        self.log_path = os.path.join(workdir, f"{name}.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, "edge", "--config", config, *extra], stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        wait_port(self.port, "perfwatch edge", self.proc, self.log_path)

    def rss(self) -> int:
        return rss_bytes(self.proc.pid)

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise BenchError("perfwatch edge did not exit within 30 s of SIGTERM")
        self._log.close()


def get_once(url: str) -> tuple[int, dict[str, str]]:
    """One GET on a fresh connection: status and headers (lowercased)."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1]
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
    return int(head[0].split()[1]), headers


def idle_connections_rss(proxy, count: int) -> tuple[int, int]:
    """Opens `count` keep-alive connections, one GET each, all left open; returns (RSS before, RSS with them)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1024), hard))
    before = proxy.rss()
    request = f"GET /pass/item.json HTTP/1.1\r\nHost: 127.0.0.1:{proxy.port}\r\n\r\n".encode()
    sockets: list[socket.socket] = []
    selector = selectors.DefaultSelector()
    try:
        pending = 0
        for i in range(count):
            s = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
            s.sendall(request)
            s.setblocking(False)
            sockets.append(s)
            selector.register(s, selectors.EVENT_READ, bytearray())
            pending += 1
            if pending >= 256 or i == count - 1:  # read the answers in batches: the backlog stays short
                deadline = time.monotonic() + 30
                while pending and time.monotonic() < deadline:
                    for key, _ in selector.select(timeout=1):
                        chunk = key.fileobj.recv(65536)
                        if not chunk:
                            raise BenchError(f"the proxy closed idle connection {len(sockets)}")
                        key.data.extend(chunk)
                        if key.data.endswith(ITEM.encode()):
                            selector.unregister(key.fileobj)
                            pending -= 1
                if pending:
                    raise BenchError(f"{pending} of {count} idle-connection requests unanswered")
        time.sleep(1)
        with_idle = proxy.rss()
        alive = sum(1 for s in sockets if _still_open(s))
        if alive != count:
            raise BenchError(f"only {alive} of {count} keep-alive connections still open")
        return before, with_idle
    finally:
        selector.close()
        for s in sockets:
            s.close()


def _still_open(s: socket.socket) -> bool:
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def measure(name: str, proxy, args, workdir: str, baseline, direct_p99: dict) -> dict:
    section(f"{name}")
    status, headers = get_once(proxy.url + "/cached/item.json")
    status, headers = get_once(proxy.url + "/cached/item.json")
    if status != 200 or headers.get("x-cache") != "HIT":
        raise BenchError(f"{name}: the second /cached/ request was not a cache hit ({status}, X-Cache {headers.get('x-cache')})")
    figures: dict = {}
    # CPU per request (the proxy's processes, user + system) beside throughput: on two cores shared by the
    # client, the upstream and the proxy, it says what the proxy itself costs, whatever else runs.
    for key, path, label in (("pass", "/pass/item.json", "pass-through"), ("cache", "/cached/item.json", "cache hits:  ")):
        cpu_before = proxy.cpu()
        figures[f"{key}_rps"], requests, _ = wrk(proxy.url + path, args.seconds, args.connections, args.threads)
        figures[f"{key}_cpu_us"] = (proxy.cpu() - cpu_before) / max(requests, 1) * 1e6
        log(f"{label}: {figures[f'{key}_rps']:,.0f} req/s, {figures[f'{key}_cpu_us']:.1f} us of proxy CPU per request")
    # Half of this proxy's own pass-through (the edge could not be held at half of nginx's: it
    # dropped requests); in a smoke run, a rate a debug load generator holds.
    rate = min(figures["pass_rps"] / 2, 500.0) if args.smoke else figures["pass_rps"] / 2
    baseline(rate)
    step = load_at_rate(args.load_cmd, proxy.url + "/pass/item.json", rate, args.seconds, args.connections, args.threads, workdir)
    if step["errors"] or step["dropped"]:
        raise BenchError(f"{name}: half-load run had {step['errors']} errors, {step['dropped']} dropped")
    figures["half_rate"] = rate
    figures["half_p99"] = step["p99"]
    figures["added_p99"] = step["p99"] - direct_p99[round(rate)]
    log(f"half load ({rate:,.0f}/s): p99 {step['p99']:.2f} ms, {figures['added_p99']:+.2f} ms over the upstream alone")
    before, with_idle = idle_connections_rss(proxy, args.idle)
    figures["rss_before"], figures["rss_idle"] = before, with_idle
    log(f"RSS: {before / 2**20:.1f} MiB idle, {with_idle / 2**20:.1f} MiB with {args.idle:,} keep-alive connections")
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--perfwatch", required=True, help="perfwatch binary (its `edge` is measured, its `load` measures)")
    ap.add_argument("--build", default="?", help="which build this is (release/debug), for the report")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, same code paths; for CI")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1, help="client threads (wrk and perfwatch load)")
    ap.add_argument("--idle", type=int, default=10_000, help="idle keep-alive connections for the RSS figure")
    ap.add_argument("--only", choices=("nginx", "edge"), help="measure one side (e.g. nginx before the edge exists)")
    ap.add_argument("--with-full-path", action="store_true",
                    help="also measure the edge with --no-fast-path (every request through NIO's HTTP codec): before/after")
    ap.add_argument("--out", default=str(HERE / "out"), help="directory for results JSON")
    args = ap.parse_args()
    if args.smoke:
        args.seconds, args.connections, args.idle = 2, 16, 300
    args.load_cmd = [args.perfwatch, "load"]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    res = Results()

    def body(workdir: str) -> None:
        upstream = start_upstream(workdir)
        proxies = []
        try:
            log(f"upstream: nginx {nginx_version()} static file on {upstream.url}; {args.connections} connections, "
                f"{args.threads} client thread(s), {args.seconds} s runs, {os.cpu_count()} cores")
            nginx = edge = full = None
            if args.only != "edge":
                nginx = start_nginx_proxy(workdir, upstream)
                proxies.append(nginx)
            if args.only != "nginx":
                edge = EdgeProcess(args.perfwatch, workdir, upstream)
                proxies.append(edge)
                if args.with_full_path:
                    full = EdgeProcess(args.perfwatch, workdir, upstream, extra=("--no-fast-path",), name="edge-full")
                    proxies.append(full)
            # The half-load rate is nginx's (or, alone, the edge's) half throughput; the upstream's own p99 at
            # that rate is the baseline the proxies' added latency is measured against.
            direct_p99: dict[int, float] = {}

            def baseline(rate: float) -> None:
                if round(rate) not in direct_p99:
                    step = load_at_rate(args.load_cmd, upstream.url + "/pass/item.json", rate, args.seconds,
                                        args.connections, args.threads, workdir)
                    direct_p99[round(rate)] = step["p99"]
                    log(f"upstream alone at {rate:,.0f}/s: p99 {step['p99']:.2f} ms")

            figures: dict[str, dict] = {}
            titles = {"nginx": f"nginx {nginx_version()}", "edge": "perfwatch edge", "edge-full": "perfwatch edge --no-fast-path"}
            for name, proxy in (("nginx", nginx), ("edge", edge), ("edge-full", full)):
                if proxy is None:
                    continue
                figures[name] = measure(f"{name} ({titles[name]})",
                                        proxy, args, workdir, baseline, direct_p99)
            res.data.update({"figures": figures, "connections": args.connections, "idle": args.idle, "build": args.build})
            report(res, figures, args)
        finally:
            for proxy in proxies:
                proxy.stop()
            upstream.stop()

    return run_benchmarks(args, res, "perfwatch-edge-bench-", f"edge-results-{'smoke' if args.smoke else 'full'}.json", body)


def report(res: Results, figures: dict, args) -> None:
    nginx, edge, full = figures.get("nginx"), figures.get("edge"), figures.get("edge-full")

    def row(label: str, key: str, fmt, target: str | None = None, ok=None) -> None:
        values = [f"{side}={fmt(f[key])}" for side, f in (("nginx", nginx), ("edge", edge), ("edge-full", full)) if f]
        res.add(label, ", ".join(values), target or "", ok)

    mib = lambda b: f"{b / 2**20:.1f} MiB"  # noqa: E731
    row("pass-through req/s", "pass_rps", lambda v: f"{v:,.0f}")
    row("cache-hit req/s", "cache_rps", lambda v: f"{v:,.0f}")
    row("proxy CPU per pass-through request", "pass_cpu_us", lambda v: f"{v:.1f} us")
    row("proxy CPU per cache hit", "cache_cpu_us", lambda v: f"{v:.1f} us")
    row("p99 at half its own load", "half_p99", lambda v: f"{v:.2f} ms")
    row("added p99 over the upstream", "added_p99", lambda v: f"{v:+.2f} ms", "edge <= 1 ms",
        edge["added_p99"] <= 1.0 if edge else None)
    row(f"RSS with {args.idle:,} idle connections", "rss_idle", mib)
    row("RSS without them", "rss_before", mib)
    if nginx and edge:
        res.add("pass-through edge/nginx", f"{edge['pass_rps'] / nginx['pass_rps']:.2f}x", ">= 0.8x",
                edge["pass_rps"] >= 0.8 * nginx["pass_rps"])
        res.add("cache-hit edge/nginx", f"{edge['cache_rps'] / nginx['cache_rps']:.2f}x", ">= 0.8x",
                edge["cache_rps"] >= 0.8 * nginx["cache_rps"])
        if full:
            res.add("pass-through edge full path/nginx (before the fast path)", f"{full['pass_rps'] / nginx['pass_rps']:.2f}x", "", None)
        res.add("RSS per idle connection", f"edge={(edge['rss_idle'] - edge['rss_before']) / args.idle / 1024:.1f} KiB, "
                f"nginx={(nginx['rss_idle'] - nginx['rss_before']) / args.idle / 1024:.1f} KiB", "bounded", None)


if __name__ == "__main__":
    sys.exit(main())
