#!/usr/bin/env python3
"""`perfwatch audit`'s wall time per run against a bare headless Chromium load of the same page with the same
throttling, in the same run (issue 20; target: audit <= 1.5x bare).

- audit: `perfwatch audit URL --device D --runs N --json`: a fresh browser context per run, Lighthouse's throttling,
  the page's PerformanceObservers, JS and CSS coverage, the screencast, the wait for a quiet network and main thread,
  then reading everything back (bodies, images re-encoded as WebP, Speed Index histograms) and the opportunities.
- bare: the same binary and driver with `--bare`: the same fresh context, throttling, navigation and wait for the load
  event and a quiet network; nothing injected, recorded or read back. (The audit also waits for the main thread to be
  free of long tasks; on these pages that adds nothing but the probe.)

Per run, from the report's `runs[].durationMs` (from the fresh context to the finished result; the browser's own
start is outside both). The two sides alternate, `--rounds` times each, so a busy machine slows both alike.
The page is Tests/e2e/audit_site's faulty page (1.7 MB, six requests, a late banner), served locally.

    Benchmarks/audit_bench.py --perfwatch .build/release/perfwatch [--build release] [--device mobile] [--smoke]

`--smoke` (CI): desktop, one round of one run each. Exit 1 if something failed to run.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "Tests" / "e2e" / "audit_site"))

from site_server import SiteServer  # noqa: E402


def run_durations(binary: str, url: str, device: str, runs: int, bare: bool) -> list[float]:
    args = [binary, "audit", url, "--device", device, "--runs", str(runs), "--json"] + (["--bare"] if bare else [])
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    failed = [r["failed"] for r in report["runs"] if r.get("failed")]
    if failed:
        raise RuntimeError(f"a run failed: {failed[0]}")
    return [r["durationMs"] for r in report["runs"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--perfwatch", default=".build/release/perfwatch")
    parser.add_argument("--build", default="release")
    parser.add_argument("--device", default="mobile", choices=["mobile", "desktop"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=2, help="runs per invocation")
    parser.add_argument("--smoke", action="store_true")
    options = parser.parse_args()
    if options.smoke:
        options.device, options.rounds, options.runs = "desktop", 1, 1

    site = SiteServer()
    try:
        url = site.url("/faulty.html")
        audit: list[float] = []
        bare: list[float] = []
        for _ in range(options.rounds):
            bare += run_durations(options.perfwatch, url, options.device, options.runs, bare=True)
            audit += run_durations(options.perfwatch, url, options.device, options.runs, bare=False)
    except Exception as error:  # noqa: BLE001 — report and exit 1, as the other benchmarks do
        print(f"audit benchmark failed: {error}")
        return 1
    finally:
        site.stop()
    audit_ms, bare_ms = statistics.median(audit), statistics.median(bare)
    ratio = audit_ms / bare_ms
    print(f"page: faulty.html, device {options.device}, {options.build} build, {len(audit)} audit runs, {len(bare)} bare runs")
    print(f"  audit run   median {audit_ms:8.0f} ms   (min {min(audit):.0f}, max {max(audit):.0f})")
    print(f"  bare load   median {bare_ms:8.0f} ms   (min {min(bare):.0f}, max {max(bare):.0f})")
    print(f"  audit / bare = {ratio:.2f}x   target <= 1.5x: {'met' if ratio <= 1.5 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
