"""The browser snippet in a real browser (Debian's headless Chromium) against the real server.

A local test site loads /rum.js from perfwatch. Chromium loads a page with a large, delayed
hero image, a deliberate layout shift, a slow click handler and a thrown error and rejected
promise; then a page with a completed booking journey; then one whose checkout journey is
abandoned. What perfwatch stored must agree with what the page's own PerformanceObservers
measured in the same browser (within 10 %), and the snippet must not write to the console.
"""

from __future__ import annotations

import time

import pytest

import rum_browser

RELEASE = "e2e-7"


def stored(server, metric: str, page: str) -> float | None:
    r = server.query(metric, "max", from_="-10m", to="now", where=f"page={page}")
    assert r.status_code == 200, r.text
    series = r.json()["series"]
    return series[0]["points"][0][1] if series else None


def close(reference, value, tolerance=0.10, floor=0.0) -> bool:
    if reference is None or value is None:
        return False
    return abs(value - reference) <= max(abs(reference) * tolerance, floor)


def wait_for(fn, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_snippet_measures_what_the_page_measures(start_server):
    server = start_server()
    key = server.get("/api/v1/rum/setup").json()["key"]
    attrs = f' data-release="{RELEASE}" data-routes="/book/:id"'
    with rum_browser.SiteServer(server.url, key=key, rum_attrs=attrs) as site:
        driver = rum_browser.make_driver()
        try:
            result = rum_browser.run_scenario(driver, site.url)
        finally:
            driver.quit()

    ref = result["reference"]["/index.html"]
    assert ref.get("lcp", 0) >= 800, f"the page saw its delayed hero as LCP: {ref}"
    lcp = wait_for(lambda: stored(server, "rum.lcp", "/index.html"), what="the index page's LCP")
    # The sketch keeps values within 1 %; the snippet and the page's own observer must agree.
    assert close(ref["lcp"], lcp), (ref["lcp"], lcp)
    assert close(ref["fcp"], stored(server, "rum.fcp", "/index.html"), floor=2.0)
    assert ref.get("cls", 0) > 0.01 and close(ref["cls"], stored(server, "rum.cls", "/index.html"), floor=0.002)
    assert ref.get("inp", 0) >= 250 and close(ref["inp"], stored(server, "rum.inp", "/index.html"))
    assert stored(server, "rum.ttfb", "/index.html") is not None
    hero_bytes = stored(server, "rum.resource.bytes", "/index.html")
    assert hero_bytes is not None

    vitals = server.get("/api/v1/vitals", from_="-10m").json()
    index_row = next(p for p in vitals["pages"] if p["page"] == "/index.html")
    assert index_row["device"] == "desktop" and index_row["samples"] == 1
    assert {p["page"] for p in vitals["pages"]} >= {"/index.html", "/book/:id", "/abandon.html"}
    releases = server.query("rum.lcp", "count", from_="-10m", to="now", by="release").json()["series"]
    assert [s["tags"]["release"] for s in releases] == [RELEASE]

    errors = server.get("/api/v1/errors", from_="-10m").json()["errors"]
    kinds = {e["kind"]: e for e in errors}
    assert "deliberate error" in kinds["error"]["message"] and kinds["error"]["line"] > 0 and kinds["error"]["stack"]
    assert "deliberate rejection" in kinds["rejection"]["message"]
    assert kinds["error"]["pages"] == ["/index.html"]

    journeys = {j["type"]: j for j in server.get("/api/v1/journeys", from_="-10m").json()["journeys"]}
    booking, checkout = journeys["booking"], journeys["checkout"]
    assert (booking["started"], booking["completed"], booking["abandoned"]) == (1, 1, 0)
    assert [s["name"] for s in booking["steps"]] == ["select", "pay"] and booking["targetMs"] == 5000
    # Hidden once (an "open" progress report), then left: abandoned at its last step.
    assert (checkout["started"], checkout["abandoned"], checkout["open"]) == (1, 1, 0)
    assert checkout["steps"] == [{**checkout["steps"][0], "name": "cart", "abandonedHere": 1}]

    page_error = [e for e in result["console"] if "deliberate error" in e.get("message", "")]
    assert page_error and page_error[0]["level"] == "SEVERE", "the page's own error still reaches the console"
    ours = [e for e in result["console"] if "rum.js" in e.get("message", "") or server.url in e.get("message", "")]
    assert not ours, f"the snippet wrote to the console: {ours}"
