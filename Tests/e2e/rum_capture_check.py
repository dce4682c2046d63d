#!/usr/bin/env python3
"""End-to-end check of rum.js without perfwatch: real Chromium, beacons to a capture server.

    python3 Tests/e2e/rum_capture_check.py [--source] [--verbose]

Serves the test site (rum_browser.SiteServer) on one origin and the snippet plus a beacon
capture endpoint (rum_browser.CaptureServer) on another, so beacons are cross-origin
text/plain POSTs exactly as in production (data-endpoint points at the capture server).
Runs rum_browser.run_scenario, then checks what arrived against the pages' own reference
observers. Serves rum/rum.min.js rebuilt from rum/rum.js (or rum.js itself with --source).
Exit status 0 when every check passes.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "scripts"))

import minify_rum  # noqa: E402
import rum_browser  # noqa: E402

KEY = "e2e-public-key"
RELEASE = "e2e-1"
TOLERANCE = 0.10


def close(a: float | None, b: float | None, abs_tol: float = 0.0) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) <= max(abs_tol, TOLERANCE * max(abs(a), abs(b)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="store_true", help="serve rum.js unminified")
    parser.add_argument("--verbose", action="store_true", help="print every beacon")
    args = parser.parse_args()

    source = minify_rum.SOURCE.read_text(encoding="utf-8")
    snippet = (source if args.source else minify_rum.minify(source)).encode("utf-8")
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(f"  [{'ok' if ok else 'FAIL'}] {what}")
        if not ok:
            failures.append(what)

    with rum_browser.CaptureServer(snippet) as capture:
        attrs = (
            f' data-endpoint="{capture.url}/capture" data-release="{RELEASE}"'
            ' data-routes="/courses/:slug,/book/:id"'
        )
        with rum_browser.SiteServer(capture.url, key=KEY, rum_attrs=attrs) as site:
            unsampled_attrs = f' data-endpoint="{capture.url}/unsampled" data-sample-rate="0"'
            with rum_browser.SiteServer(capture.url, key=KEY, rum_attrs=unsampled_attrs) as unsampled_site:
                driver = rum_browser.make_driver()
                try:
                    result = rum_browser.run_scenario(driver, site.url)
                    unsampled = rum_browser.run_unsampled_scenario(driver, unsampled_site.url)
                finally:
                    driver.quit()
            # Beacons sent at pagehide may land just after the browser has gone.
            time.sleep(0.5)
        beacons = capture.received()

    print(f"snippet: {'rum.js' if args.source else 'rum.min.js'}, {len(snippet)} B raw, "
          f"{len(capture.snippet_gzip)} B gzip")
    print(f"site {site.url}, capture {capture.url}: {len(beacons)} beacons")
    if args.verbose:
        for b in beacons:
            print(f"  {b.path} {b.content_type} {len(b.raw)} B: {json.dumps(b.body)}")

    sent_unsampled = [b for b in beacons if b.path == "/unsampled"]
    beacons = [b for b in beacons if b.path != "/unsampled"]
    bodies = [b.body for b in beacons]
    index = [b for b in bodies if b.get("url") == "/index.html"]
    page_view = next((b for b in index if "vitals" in b), {})
    vitals = page_view.get("vitals", {})
    ref = result["reference"]["/index.html"]

    print("\nvital  reference  beacon")
    for name in ("lcp", "cls", "inp", "fcp", "ttfb"):
        print(f"{name:5}  {str(ref.get(name, '-')):>9}  {str(vitals.get(name, '-')):>6}")
    print(f"nav  {json.dumps(page_view.get('nav'))}")
    print(f"tbt  {page_view.get('tbt')}   res {json.dumps(page_view.get('res'))}")

    print("\nchecks")
    check(all(b.path == "/capture" for b in beacons), "every beacon went to data-endpoint")
    check(all(b.content_type.startswith("text/plain") for b in beacons), "every beacon is text/plain")
    check(all(b.get("v") == 1 and b.get("key") == KEY and b.get("rel") == RELEASE for b in bodies),
          "v, key, rel on every beacon")
    check(len({b.get("pv") for b in bodies}) == 3, "three page views (pv)")
    check(len({b.get("sid") for b in bodies}) == 1 and bool(bodies and bodies[0].get("sid")),
          "one session id across the page views")
    check(sum(1 for b in bodies if "vitals" in b) == 3, "exactly one vitals beacon per page view")
    check(close(ref.get("lcp"), vitals.get("lcp")), "LCP within 10% of the page's own")
    check(ref.get("lcp") is not None and ref["lcp"] >= 800, "LCP is the delayed hero image (>= 800 ms)")
    check(close(ref.get("cls"), vitals.get("cls"), 1e-4) and ref.get("cls", 0) > 0.01,
          "CLS within 10% (and the shift happened)")
    check(close(ref.get("inp"), vitals.get("inp")) and (ref.get("inp") or 0) >= 250,
          "INP within 10% (and >= 250 ms: the slow handler)")
    check(close(ref.get("fcp"), vitals.get("fcp")), "FCP within 10%")
    check(vitals.get("ttfb") is not None, "TTFB present")
    check(bool(page_view.get("nav", {}).get("request") is not None), "navigation breakdown present")
    check("tls" not in page_view.get("nav", {}), "no tls over plain http (absent, not 0)")
    check(page_view.get("res", {}).get("image", {}).get("n", 0) >= 1 and
          page_view.get("res", {}).get("image", {}).get("b", 0) > 100_000, "hero counted as an image resource")
    check(page_view.get("vw") == 1280 or page_view.get("vw", 0) > 0, "viewport width present")

    errors = [e for b in index for e in b.get("errors", [])]
    kinds = sorted(e.get("kind") for e in errors)
    check(kinds == ["error", "rejection"], f"one error and one rejection arrived (got {kinds})")
    err = next((e for e in errors if e.get("kind") == "error"), {})
    check("deliberate error" in err.get("msg", "") and err.get("line", 0) > 0 and "stack" in err,
          "error has msg, line and stack")
    rej = next((e for e in errors if e.get("kind") == "rejection"), {})
    check("deliberate rejection" in rej.get("msg", ""), "rejection has the reason's message")

    journeys = [j for b in bodies for j in b.get("journeys", [])]
    completed = [j for j in journeys if j.get("state") == "completed"]
    abandoned = [j for j in journeys if j.get("state") == "abandoned"]
    check(len(completed) == 1, f"one completed journey (got {len(completed)})")
    if completed:
        j = completed[0]
        check(j["type"] == "booking" and j.get("target") == 5000 and
              [s["name"] for s in j["steps"]] == ["select", "pay"] and j.get("end", 0) >= j["start"],
              "completed: booking, target 5000, steps select,pay, end >= start")
    check(len(abandoned) == 1, f"one abandoned journey (got {len(abandoned)})")
    if abandoned:
        j = abandoned[0]
        check(j["type"] == "checkout" and [s["name"] for s in j["steps"]] == ["cart"],
              "abandoned: checkout at step cart")
    progress = [j for j in journeys if j.get("state") == "open"]
    check(len(progress) == 1 and progress[0].get("type") == "checkout" and "end" not in progress[0],
          "one open progress report for checkout when its page was hidden")
    if progress and abandoned:
        check(progress[0]["id"] == abandoned[0]["id"], "progress report and abandonment share the journey id")
    book = [b for b in bodies if b.get("url") == "/book/42"]
    check(bool(book) and all(b.get("route") == "/book/:id" for b in book), "route /book/:id from data-routes")
    check(all("route" not in b for b in index), "no route when no pattern matches")
    check(all(len(b.raw) < 60 * 1024 for b in beacons), "every beacon < 60 KiB")

    page_error = [e for e in result["console"] if "deliberate error" in e.get("message", "")]
    check(bool(page_error) and page_error[0].get("level") == "SEVERE",
          "the page's own error still reaches the console (not swallowed)")
    check(unsampled["api"] == "ok", f"journey API works on an unsampled page ({unsampled['api']})")
    check(not sent_unsampled, f"nothing sent with data-sample-rate=0 (got {len(sent_unsampled)})")
    result["console"] += unsampled["console"]
    ours = [e for e in result["console"]
            if "rum.js" in e.get("message", "") or capture.url in e.get("message", "")]
    check(not ours, f"no console output from the snippet ({ours})")
    print(f"\n{len(failures)} failed" if failures else "\nall checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
