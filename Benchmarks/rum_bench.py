#!/usr/bin/env python3
"""Main-thread cost and size of the browser snippet (rum/rum.js), in headless Chromium.

    python3 Benchmarks/rum_bench.py [--loads 20] [--smoke]

Loads the RUM test page (Tests/e2e/rum_site/index.html, hero image delay 50 ms) `--loads`
times with the snippet and as many times without it, alternating, in one Debian Chromium
(Tests/e2e/rum_browser.py). The snippet and a beacon sink are served by
rum_browser.CaptureServer; nothing leaves the machine. Two measurements per load:

1. Trace attribution (the precise one): Chromium's devtools.timeline trace events, via
   chromedriver's performance log; sums the main-thread EvaluateScript and FunctionCall
   events whose script is rum.js (outermost events only): script evaluation plus observer
   and listener callbacks while the page loads and settles. The page-hide flush (vitals
   assembly, JSON, sendBeacon) is timed in the page around a synthetic pagehide event,
   because the trace of a page being left ends before its pagehide handlers run.
2. The with-minus-without difference of CDP Performance.getMetrics ScriptDuration and
   TaskDuration medians, per page load (before leaving the page). Noisier: layout, paint
   and image decoding dominate TaskDuration and vary from load to load.

Target: < 5 ms median main-thread time added to a page load (evaluation and callbacks
while loading); the idle-time session-id read and the page-hide flush are reported beside it. Prints the gzip size of the snippet
as served beside published figures for other RUM libraries (published, not measured).
Exit status 0 unless something failed to run; a missed target is reported, not fatal.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
sys.path.insert(0, str(ROOT / "scripts"))

import minify_rum  # noqa: E402
import rum_browser  # noqa: E402

TARGET_MS = 5.0
TRACE_NAMES = {"EvaluateScript", "FunctionCall"}
# Published by the vendors, NOT measured here (sizes of their builds as they state them).
PUBLISHED = [
    ("web-vitals, standard build", "~2 KB brotli", "GoogleChrome/web-vitals README (v4/v5)"),
    ("Elastic APM RUM agent", "17.9 KiB gzip", "elastic/apm-agent-rum-js PR #834 bundlesize report, 2020"),
    ("Sentry browser SDK, CDN bundle", "24.1 KB gzip", "sentry-javascript 9.0.1 release notes"),
    ("Sentry browser SDK, CDN + tracing", "35.8 KB gzip", "sentry-javascript 9.0.1 release notes"),
    ("Datadog browser RUM (rum_slim)", "36.2 KiB gzip", "DataDog/browser-sdk PR #3468, 2025"),
    ("Datadog browser RUM (rum)", "50.0 KiB gzip", "DataDog/browser-sdk PR #3468, 2025"),
]


def make_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = rum_browser.CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    options.add_experimental_option(
        "perfLoggingPrefs",
        {"enableNetwork": False, "enablePage": False, "traceCategories": "devtools.timeline"},
    )
    return webdriver.Chrome(service=Service(rum_browser.CHROMEDRIVER), options=options)


def trace_ms(driver) -> tuple[float, float]:
    """Main-thread ms attributed to rum.js in the trace events logged since the last call,
    as (everything else, the idle-time session-id read `readSid`).

    chromedriver hands trace events over when the page is left, so call this after
    navigating away. The page's own pagehide handlers are not in these traces (tracing of
    the old page ends first), hence the separate in-page timing of the flush.
    """
    events = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Tracing.dataCollected":
            continue
        params = message["params"]
        for e in params["value"] if isinstance(params.get("value"), list) else [params]:
            data = e.get("args", {}).get("data", {}) or {}
            if e.get("ph") != "X" or e.get("name") not in TRACE_NAMES:
                continue
            if "/rum.js" not in str(data.get("url", "")):
                continue
            idle = data.get("functionName") == "readSid"
            events.append((e.get("pid"), e.get("tid"), e["ts"], e.get("dur", 0), idle))
    total_us = idle_us = 0
    end_by_thread: dict = {}
    for pid, tid, ts, dur, idle in sorted(events, key=lambda x: (x[0], x[1], x[2])):
        if ts < end_by_thread.get((pid, tid), -1):
            continue  # nested in an event already counted
        end_by_thread[(pid, tid)] = ts + dur
        if idle:
            idle_us += dur
        else:
            total_us += dur
    return total_us / 1000, idle_us / 1000


# Times the page-hide work in the page itself: a synthetic pagehide runs the snippet's
# listener synchronously (vitals assembly, JSON, sendBeacon). The real pagehide that
# follows finds nothing left to send.
HIDE_SCRIPT = """
var t0 = performance.now();
window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}));
return performance.now() - t0;
"""


def metrics(driver) -> dict:
    raw = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return {m["name"]: m["value"] for m in raw}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=20, help="page loads per variant")
    parser.add_argument("--smoke", action="store_true", help="3 loads per variant (CI)")
    args = parser.parse_args()
    loads = 3 if args.smoke else args.loads

    load_before = os.getloadavg()
    snippet = minify_rum.minify(minify_rum.SOURCE.read_text(encoding="utf-8")).encode("utf-8")
    gz = len(gzip.compress(snippet, compresslevel=9, mtime=0))
    gz_source = len(gzip.compress(minify_rum.SOURCE.read_bytes(), compresslevel=9, mtime=0))

    samples: dict[str, dict[str, list[float]]] = {
        v: {"script": [], "task": [], "trace_load": [], "trace_idle": [], "trace_hide": []}
        for v in ("with", "without")
    }
    with rum_browser.CaptureServer(snippet) as capture, \
            rum_browser.SiteServer(capture.url, hero_delay_s=0.05) as with_site, \
            rum_browser.SiteServer(capture.url, hero_delay_s=0.05, with_snippet=False) as without_site:
        driver = make_driver()
        try:
            # One warm-up load of each, not counted (first-use costs of the browser itself).
            for site in (with_site, without_site):
                driver.get(site.url + "/index.html")
            for i in range(2 * loads):
                variant, site = ("with", with_site) if i % 2 == 0 else ("without", without_site)
                driver.get("about:blank")
                driver.execute_cdp_cmd("Performance.disable", {})
                driver.execute_cdp_cmd("Performance.enable", {})
                driver.get_log("performance")
                driver.get(site.url + "/index.html")
                if variant == "with":
                    rum_browser.wait_until(
                        lambda: driver.execute_script("return !!(window.perfwatch && window.perfwatch.journey)"),
                        what="rum.js",
                    )
                time.sleep(0.6)  # the 300 ms layout shift and late observer callbacks
                m = metrics(driver)
                s = samples[variant]
                s["script"].append(m["ScriptDuration"] * 1000)
                s["task"].append(m["TaskDuration"] * 1000)
                s["trace_hide"].append(driver.execute_script(HIDE_SCRIPT))
                driver.get("about:blank")
                time.sleep(0.2)
                load_ms, idle_ms = trace_ms(driver)
                s["trace_load"].append(load_ms)
                s["trace_idle"].append(idle_ms)
        finally:
            driver.quit()
        beacons = len(capture.received())

    med = {v: {k: statistics.median(x) for k, x in s.items()} for v, s in samples.items()}
    w, wo = med["with"], med["without"]
    print(f"rum.js bench: {loads} loads with and {loads} without the snippet, headless Chromium, "
          f"{beacons} beacons captured")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
          "(other work on the machine inflates every figure)")
    print("\nmain-thread time attributed to rum.js (trace), median per page view")
    print(f"  load (evaluate + observer callbacks)  {w['trace_load']:6.2f} ms   "
          f"(min {min(samples['with']['trace_load']):.2f}, max {max(samples['with']['trace_load']):.2f})")
    print(f"  idle-time sessionStorage read (readSid) {w['trace_idle']:5.2f} ms   "
          f"(min {min(samples['with']['trace_idle']):.2f}, max {max(samples['with']['trace_idle']):.2f})")
    print(f"  without the snippet (sanity, expect 0) {wo['trace_load']:6.2f} ms")
    print("page-hide flush (vitals beacon), timed in the page, median")
    print(f"  with the snippet                       {w['trace_hide']:6.2f} ms   "
          f"(max {max(samples['with']['trace_hide']):.2f})")
    print(f"  without (dispatch alone)               {wo['trace_hide']:6.2f} ms")
    print("\nCDP Performance.getMetrics, median per page load (before page hide)")
    print(f"  {'':16}{'with':>10}{'without':>10}{'difference':>12}")
    for key, label in (("script", "ScriptDuration"), ("task", "TaskDuration")):
        print(f"  {label:16}{w[key]:10.2f}{wo[key]:10.2f}{w[key] - wo[key]:+12.2f} ms")

    print("\nsize (gzip -9)")
    print(f"  rum.js as served (rum.min.js)          {gz:9d} B    measured (budget 4096 B)")
    print(f"  rum.js source with comments            {gz_source:9d} B    measured")
    for name, size, source in PUBLISHED:
        print(f"  {name:38} {size:>14}  published, not measured ({source})")

    hide = w["trace_hide"] - wo["trace_hide"]
    print("\nsummary (medians)")
    print(f"  main-thread time added to a page load: {w['trace_load']:.2f} ms, target < {TARGET_MS:.0f} ms: "
          f"{'met' if w['trace_load'] < TARGET_MS else 'MISSED'}")
    print(f"  later, off the load path: idle-time session-id read {w['trace_idle']:.2f} ms, "
          f"page-hide flush {hide:.2f} ms; whole page view {w['trace_load'] + w['trace_idle'] + hide:.2f} ms")
    print(f"  getMetrics ScriptDuration difference: {w['script'] - wo['script']:+.2f} ms")
    print(f"  gzip size {gz} B, budget 4096 B: {'met' if gz <= 4096 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
