#!/usr/bin/env python3
"""The edge's image transcoder side by side with Debian's `vipsthumbnail` (and ImageMagick's `convert` for
context), in one run, on the same file and cores.

- transcodes/s: a 2725×2225 photo-like JPEG (made here with libvips from seeded noise; see below) → 720 px wide,
  JPEG quality 80, metadata stripped. The edge: `perfwatch edge` in front of an nginx serving the file, an image rule
  on /img/*, every request a distinct URL (`?w=720&n=N`, so a cache miss and a transcode each), `--clients` requests
  in flight; the edge runs its default `image_jobs` (one per core). vipsthumbnail: `vipsthumbnail in.jpg -s 720
  -o out.jpg[Q=80,strip]`, one process per transcode, as many at once as there are cores. ImageMagick:
  `convert in.jpg -auto-orient -resize 720x -quality 80 -strip out.jpg` likewise.
- peak RSS of the edge over `--transcodes` transcodes (VmHWM), and its RSS before them.
- the edge's throughput serving a cached WebP variant (`Accept: image/webp`, one URL) against its pass-through
  throughput for the same original file on a route without an image rule (wrk, `--connections`).

Target (issue 17): the edge's transcodes/s >= 0.9x vipsthumbnail's.

    Benchmarks/image_bench.py --perfwatch .build/release/perfwatch [--build release] [--seconds 10] [--smoke]

`--smoke` (CI): 2 s runs, 20 transcodes for the RSS figure. Exit 1 if something failed to run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import BenchError, Results, free_port, log, rss_bytes, run_benchmarks, section  # noqa: E402
from edge_bench import EdgeProcess, Nginx  # noqa: E402
from load_bench import wrk  # noqa: E402

CONVERT = "/usr/bin/convert-im6.q16"  # ImageMagick itself, whatever else is called convert on PATH


def make_photo(path: str) -> None:
    """2725×2225, three bands of blurred seeded noise: photo-like detail, the same pixels on every run."""
    work = os.path.dirname(path)
    bands = []
    for band in (1, 2, 3):
        noise, blurred = f"{work}/n{band}.v", f"{work}/b{band}.v"
        subprocess.run(["vips", "gaussnoise", noise, "2725", "2225", "--sigma", "60", "--mean", "128", "--seed", str(band)], check=True)
        subprocess.run(["vips", "gaussblur", noise, blurred, "2"], check=True)
        bands.append(blurred)
    subprocess.run(["vips", "bandjoin", " ".join(bands), f"{work}/rgb.v"], check=True)
    subprocess.run(["vips", "cast", f"{work}/rgb.v", f"{work}/rgb8.v", "uchar"], check=True)
    subprocess.run(["vips", "copy", f"{work}/rgb8.v", f"{path}[Q=90]"], check=True)
    for band in (1, 2, 3):
        for kind in ("n", "b"):
            os.remove(f"{work}/{kind}{band}.v")


def hwm_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise BenchError(f"no VmHWM for pid {pid}")


# An image rule on /img/*; 8 MiB of cache: the RSS figure is the transcoder's, not a thousand cached variants'.
IMAGE_POLICY = ("limits: {cache_max_bytes: 8388608}\n"
                "images:\n  - {match: /img/*, formats: [avif, webp], widths: [720], quality: 80}\n")


def fetch(url: str, accept: str | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.status, answer.headers.get("Content-Type", ""), answer.read()


def edge_transcodes(edge: EdgeProcess, seconds: float, clients: int, first: int) -> tuple[float, int]:
    """Transcodes/s through the edge: `clients` loops of distinct-URL JPEG requests for `seconds`."""
    counter = [first]
    lock = threading.Lock()
    done = [0]
    deadline = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < deadline:
            with lock:
                counter[0] += 1
                n = counter[0]
            status, kind, body = fetch(f"{edge.url}/img/photo.jpg?w=720&n={n}")
            if status != 200 or kind != "image/jpeg" or len(body) > 200_000:
                raise BenchError(f"the edge did not transcode: {status} {kind} {len(body)} bytes")
            with lock:
                done[0] += 1

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(loop) for _ in range(clients)]:
            future.result()
    return done[0] / (time.monotonic() - started), counter[0]


def process_transcodes(command, seconds: float, parallel: int, workdir: str) -> float:
    """Transcodes/s of one command per transcode, `parallel` at once, for `seconds`."""
    done = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(slot: int) -> None:
        out = os.path.join(workdir, f"out-{slot}.jpg")
        while time.monotonic() < deadline:
            subprocess.run(command(out), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with lock:
                done[0] += 1

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        for future in [pool.submit(loop, slot) for slot in range(parallel)]:
            future.result()
    return done[0] / (time.monotonic() - started)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--perfwatch", required=True)
    ap.add_argument("--build", default="?")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", type=int, default=4, help="requests in flight to the edge's transcoder")
    ap.add_argument("--transcodes", type=int, default=1000, help="transcodes for the peak-RSS figure")
    ap.add_argument("--connections", type=int, default=32, help="wrk connections for the cached/pass-through figures")
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()
    if args.smoke:
        args.seconds, args.transcodes, args.connections = 2, 20, 8
    for tool in ("vips", "vipsthumbnail", "wrk"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install libvips-tools wrk)")
    cores = os.cpu_count() or 1
    res = Results()

    def body(workdir: str) -> None:
        root = os.path.join(workdir, "www")
        for folder in ("img", "raw"):
            os.makedirs(os.path.join(root, folder), exist_ok=True)
            os.chmod(os.path.join(root, folder), 0o755)
        os.chmod(root, 0o755)
        photo = os.path.join(root, "img", "photo.jpg")
        make_photo(photo)
        shutil.copy(photo, os.path.join(root, "raw", "photo.jpg"))
        for path in (photo, os.path.join(root, "raw", "photo.jpg")):
            os.chmod(path, 0o644)
        size = os.path.getsize(photo)
        port = free_port()
        upstream = Nginx(workdir, "upstream", port, f"""    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {root};
        types {{ image/jpeg jpg; }}
        location / {{ }}
    }}""")
        edge = EdgeProcess(args.perfwatch, workdir, upstream, policy=IMAGE_POLICY)
        try:
            log(f"2725×2225 JPEG, {size:,} bytes → 720 px, quality 80; {cores} cores; {args.seconds} s runs; "
                f"{args.build} build")
            section("transcodes/s")
            fetch(f"{edge.url}/img/photo.jpg?w=720&n=0")  # libvips starts on the first
            rss_start = rss_bytes(edge.proc.pid)
            edge_rate, last = edge_transcodes(edge, args.seconds, args.clients, 1)
            log(f"perfwatch edge: {edge_rate:.1f}/s ({args.clients} requests in flight)")
            vips_rate = process_transcodes(
                lambda out: ["vipsthumbnail", photo, "-s", "720", "-o", f"{out}[Q=80,strip]"], args.seconds, cores, workdir)
            log(f"vipsthumbnail:  {vips_rate:.1f}/s ({cores} processes at once)")
            magick_rate = None
            if os.access(CONVERT, os.X_OK):
                magick_rate = process_transcodes(
                    lambda out: [CONVERT, photo, "-auto-orient", "-resize", "720x", "-quality", "80", "-strip", out],
                    args.seconds, cores, workdir)
                log(f"ImageMagick:    {magick_rate:.1f}/s ({cores} processes at once)")
            section(f"peak RSS over {args.transcodes} transcodes")
            started = time.monotonic()
            quarters = []
            with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
                for quarter in range(4):
                    numbers = range(quarter * args.transcodes // 4, (quarter + 1) * args.transcodes // 4)
                    for status, _, _ in pool.map(lambda n: fetch(f"{edge.url}/img/photo.jpg?w=720&r={n}"), numbers):
                        if status != 200:
                            raise BenchError(f"transcode request failed: {status}")
                    quarters.append(rss_bytes(edge.proc.pid))
            rss_peak, rss_end = hwm_bytes(edge.proc.pid), rss_bytes(edge.proc.pid)
            log(f"{args.transcodes} transcodes in {time.monotonic() - started:.1f} s; RSS {rss_start / 2**20:.1f} MiB before, "
                f"after each quarter {', '.join(f'{q / 2**20:.1f}' for q in quarters)} MiB; peak {rss_peak / 2**20:.1f} MiB "
                f"(cache capped at 8 MiB)")
            section("cached variant vs pass-through (wrk)")
            status, kind, variant = fetch(f"{edge.url}/img/photo.jpg?w=720", accept="image/webp")
            if kind != "image/webp":
                raise BenchError(f"no WebP variant: {status} {kind}")
            cached_rps, _, _ = wrk(f"{edge.url}/img/photo.jpg?w=720", args.seconds, args.connections, 1, headers=["Accept: image/webp"])
            pass_rps, _, _ = wrk(f"{edge.url}/raw/photo.jpg", args.seconds, args.connections, 1)
            log(f"cached WebP variant ({len(variant):,} bytes): {cached_rps:,.0f} req/s; "
                f"pass-through of the original ({size:,} bytes): {pass_rps:,.0f} req/s")
            res.data.update({"edge_rate": edge_rate, "vipsthumbnail_rate": vips_rate, "magick_rate": magick_rate,
                             "rss_start": rss_start, "rss_peak": rss_peak, "rss_end": rss_end, "rss_quarters": quarters, "cached_rps": cached_rps,
                             "pass_rps": pass_rps, "variant_bytes": len(variant), "original_bytes": size, "build": args.build})
            res.add("transcodes/s", f"edge={edge_rate:.1f}, vipsthumbnail={vips_rate:.1f}"
                    + (f", ImageMagick={magick_rate:.1f}" if magick_rate else ""), "", None)
            res.add("transcodes/s edge/vipsthumbnail", f"{edge_rate / vips_rate:.2f}x", ">= 0.9x", edge_rate >= 0.9 * vips_rate)
            if magick_rate:
                res.add("transcodes/s edge/ImageMagick", f"{edge_rate / magick_rate:.2f}x", "context", None)
            res.add(f"edge peak RSS over {args.transcodes} transcodes", f"{rss_peak / 2**20:.1f} MiB (start {rss_start / 2**20:.1f}, "
                    f"quarters {', '.join(f'{q / 2**20:.0f}' for q in quarters)})", "bounded", None)
            res.add("edge req/s: cached variant vs pass-through", f"{cached_rps:,.0f} vs {pass_rps:,.0f}", "", None)
        finally:
            edge.stop()
            upstream.stop()

    return run_benchmarks(args, res, "perfwatch-image-bench-", f"image-results-{'smoke' if args.smoke else 'full'}.json", body)


if __name__ == "__main__":
    sys.exit(main())
