#!/usr/bin/env python3
"""Side-by-side throughput of `perfwatch load` against wrk and locust on a local nginx.

Prints requests/s for each generator with the same connection count, the ratios
perfwatch/wrk (target >= 0.8) and perfwatch/locust, and each generator's own CPU seconds
per 10,000 requests (user + system time of the child, from wait4).

perfwatch runs in its open model, so its figure is the highest *sustained* arrival rate:
the rate is stepped up from a fraction of wrk's until the achieved rate falls below 97% of
the requested one or iterations are dropped/errors appear; the last rate that held is then
run for the full length.

Installs what is missing (apt-get install -y nginx wrk; pip install locust) and builds the
generator in release mode. Usage:

    Benchmarks/load_bench.py [--seconds 10] [--step-seconds 3] [--connections 64] [--threads 2]
                             [--cmd "path/to/perfwatch load"]

Whole run: about 3 x --seconds plus up to 5 x --step-seconds (~45 s with the defaults).
"""
import argparse
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)


def ensure_tools():
    missing = [tool for tool in ("nginx", "wrk") if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}")]
    if missing:
        subprocess.run(["apt-get", "install", "-y", *missing], check=True)
    if shutil.which("locust") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "locust"], check=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(workdir, port):
    root = os.path.join(workdir, "www")
    os.makedirs(root)
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write("<html><body>perfwatch load benchmark</body></html>\n")
    # nginx workers drop to `nobody` when started as root: the files must be world-readable.
    for path in (workdir, root):
        os.chmod(path, 0o755)
    conf = os.path.join(workdir, "nginx.conf")
    temp = {name: os.path.join(workdir, name) for name in ("client", "proxy", "fastcgi", "uwsgi", "scgi")}
    with open(conf, "w") as f:
        f.write(f"""
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 60s;
    client_body_temp_path {temp['client']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ }}
    }}
}}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-c", conf, "-p", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("nginx did not start; see " + os.path.join(workdir, "error.log"))


def run_measured(command, **kwargs):
    """Runs a command; returns (stdout, cpu seconds of the child)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return output, usage.ru_utime + usage.ru_stime, process.returncode


def wrk(url, seconds, connections, threads, headers=()):
    """wrk's closed loop; `headers`: "Name: value" lines sent on every request."""
    extra = [arg for header in headers for arg in ("-H", header)]
    output, cpu, _ = run_measured(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", *extra, url])
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if not match:
        raise SystemExit("wrk failed:\n" + output)
    return float(match.group(1)), int(total.group(1)), cpu


def perfwatch(cmd, url, rate, seconds, connections, threads, workdir):
    out = os.path.join(workdir, "perfwatch.json")
    command = [*cmd, "--url", url, "--rate", f"{int(rate)}/s", "--duration", f"{seconds}s",
               "--connections", str(connections), "--threads", str(threads), "--out", out]
    output, cpu, code = run_measured(command)
    if not os.path.exists(out):
        raise SystemExit(f"perfwatch load failed ({code}):\n{output}")
    with open(out) as f:
        report = json.load(f)
    os.remove(out)
    total = report["total"]
    return {
        "requested": rate, "rate": total["count"] / seconds, "count": total["count"], "errors": total["errors"],
        "dropped": report["dropped"], "p99": total["latency"]["p99"], "cpu": cpu,
    }


def locust(url, seconds, connections, workdir):
    locustfile = os.path.join(workdir, "locustfile.py")
    with open(locustfile, "w") as f:
        f.write("""
from locust import task
from locust.contrib.fasthttp import FastHttpUser

class Hammer(FastHttpUser):
    @task
    def index(self):
        self.client.get("/index.html")
""")
    host = url.rsplit("/", 1)[0]
    prefix = os.path.join(workdir, "locust")
    command = ["locust", "-f", locustfile, "--headless", "-u", str(connections), "-r", str(connections),
               "-t", f"{seconds}s", "--host", host, "--only-summary", "--csv", prefix, "--loglevel", "ERROR"]
    output, cpu, _ = run_measured(command)
    try:
        with open(prefix + "_stats.csv") as f:
            header, *rows = [line.strip().split(",") for line in f if line.strip()]
    except OSError:
        raise SystemExit("locust failed:\n" + output)
    row = next(r for r in rows if "Aggregated" in r)
    stats = dict(zip([h.strip('"') for h in header], row))
    count = int(stats["Request Count"])
    return float(stats["Requests/s"]), count, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--step-seconds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for wrk and perfwatch (default 1: nginx needs the other core of a 2-core box)")
    parser.add_argument("--cmd", help="load generator command (default: .build/release/perfwatch load, built if missing)")
    parser.add_argument("--skip-locust", action="store_true")
    args = parser.parse_args()

    ensure_tools()
    if args.cmd:
        cmd = shlex.split(args.cmd)
    else:
        binary = os.path.join(PACKAGE, ".build", "release", "perfwatch")
        if not os.path.exists(binary):
            subprocess.run(["swift", "build", "-c", "release", "--product", "perfwatch"], cwd=PACKAGE, check=True)
        cmd = [binary, "load"]

    workdir = tempfile.mkdtemp(prefix="perfwatch-load-bench-")
    port = free_port()
    nginx = start_nginx(workdir, port)
    url = f"http://127.0.0.1:{port}/index.html"
    try:
        print(f"nginx (1 worker) on {url}; {args.connections} connections, {args.threads} threads, {args.seconds}s runs")
        wrk_rate, wrk_count, wrk_cpu = wrk(url, args.seconds, args.connections, args.threads)
        print(f"wrk:        {wrk_rate:10.0f} req/s  cpu {wrk_cpu / wrk_count * 10000:.3f} s/10k requests")

        best = None
        rate = wrk_rate * 0.6
        for _ in range(5):
            step = perfwatch(cmd, url, rate, args.step_seconds, args.connections, args.threads, workdir)
            held = step["rate"] >= 0.97 * rate and step["dropped"] == 0 and step["errors"] == 0
            print(f"  step {rate:8.0f}/s requested: {step['rate']:8.0f}/s achieved, dropped {step['dropped']},"
                  f" errors {step['errors']}, p99 {step['p99']:.1f}ms -> {'held' if held else 'not sustained'}")
            if not held:
                break
            best = rate
            rate *= 1.15
        if best is None:
            best = rate * 0.5
        final = perfwatch(cmd, url, best, args.seconds, args.connections, args.threads, workdir)
        pw_rate = final["rate"]
        print(f"perfwatch:  {pw_rate:10.0f} req/s  cpu {final['cpu'] / max(final['count'], 1) * 10000:.3f} s/10k requests"
              f"  (open model at {best:.0f}/s, dropped {final['dropped']}, errors {final['errors']}, p99 {final['p99']:.1f}ms)")

        print(f"perfwatch/wrk:    {pw_rate / wrk_rate:.2f}  (target >= 0.8)")
        if not args.skip_locust:
            locust_rate, locust_count, locust_cpu = locust(url, args.seconds, args.connections, workdir)
            print(f"locust:     {locust_rate:10.0f} req/s  cpu {locust_cpu / max(locust_count, 1) * 10000:.3f} s/10k requests")
            print(f"perfwatch/locust: {pw_rate / max(locust_rate, 1):.2f}")
    finally:
        nginx.terminate()
        nginx.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
