"""Ingested names never reach the dashboard as markup: `<img src=x onerror=alert(1)>` sent as a
route, a tag, a span name, a span's error message, a database statement, a browser error
message, a journey name and an optimization's description; every dashboard page is opened in Chromium, and none calls
alert() or holds an injected <img>. Pages where the text is expected must show it, as text."""

from __future__ import annotations

import json
import os
import time

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from conftest import now_ms
from test_auth import chromium
from test_dashboard import wait_for

PAYLOAD = "<img src=x onerror=alert(1)>"
METRIC = "e2e.xss.request.duration"
SITE = "https://shop.example.com"
MS = 1_000_000

# Counts alert/confirm/prompt calls instead of opening dialogs, before any page script runs.
HOOK = """
window.__pwDialogs = 0;
['alert', 'confirm', 'prompt'].forEach(function (name) {
  window[name] = function () { window.__pwDialogs += 1; };
});
"""


def seed(srv) -> str:
    now = now_ms()
    metrics = [{"name": METRIC, "kind": "timing", "value": 10.0 + i, "time": now - 120_000 + i * 1000,
                "tags": {"route": PAYLOAD, "service": PAYLOAD, "region": PAYLOAD}} for i in range(20)]
    r = srv.post_metrics(metrics)
    assert r.status_code == 200 and r.json()["accepted"] == len(metrics), r.text

    trace_id = os.urandom(16).hex()
    root_id, db_id = os.urandom(8).hex(), os.urandom(8).hex()
    start = time.time_ns() - 60_000 * MS
    spans = [
        {"traceId": trace_id, "spanId": root_id, "name": PAYLOAD, "kind": 2,
         "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 80 * MS),
         "attributes": [{"key": "http.route", "value": {"stringValue": PAYLOAD}},
                        {"key": "http.request.method", "value": {"stringValue": "GET"}},
                        {"key": PAYLOAD, "value": {"stringValue": PAYLOAD}}],
         "status": {"code": 2, "message": PAYLOAD},
         "events": [{"timeUnixNano": str(start + 5 * MS), "name": "exception",
                     "attributes": [{"key": "exception.message", "value": {"stringValue": PAYLOAD}}]}]},
        {"traceId": trace_id, "spanId": db_id, "parentSpanId": root_id, "name": "SELECT " + PAYLOAD, "kind": 3,
         "startTimeUnixNano": str(start + 10 * MS), "endTimeUnixNano": str(start + 30 * MS),
         "attributes": [{"key": "db.system", "value": {"stringValue": "postgresql"}},
                        {"key": "db.statement", "value": {"stringValue": f'SELECT * FROM "{PAYLOAD}" WHERE id = 7'}}]},
    ]
    body = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "xss-app"}}]},
                               "scopeSpans": [{"scope": {"name": "e2e"}, "spans": spans}]}]}
    r = srv.post("/v1/traces", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text

    key = srv.get("/api/v1/rum/setup").json()["key"]
    t = now_ms()
    beacon = {"v": 1, "key": key, "pv": "xss1", "sid": "s1", "url": "/shop/" + PAYLOAD, "rel": "2.0", "t": t,
              "vw": 1280, "vh": 800, "vitals": {"lcp": 1200, "cls": 0.01, "fcp": 700, "ttfb": 90},
              "errors": [{"kind": "error", "msg": PAYLOAD, "src": SITE + "/app.js"}],
              "journeys": [{"id": "j1", "type": PAYLOAD, "target": 5000, "start": t - 4000, "state": "failed",
                            "end": t - 100, "reason": PAYLOAD, "steps": [{"name": PAYLOAD, "t": 100}]}]}
    r = srv.post("/api/v1/rum", data=json.dumps(beacon), headers={"Content-Type": "text/plain", "Origin": SITE})
    assert r.status_code == 202, r.text

    r = srv.post("/api/v1/optimizations", data=json.dumps({"type": "cache", "description": PAYLOAD, "route": PAYLOAD,
                                                          "service": "xss-app"}), headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    return trace_id, r.json()["id"]


def test_ingested_markup_is_shown_as_text_on_every_page(start_server):
    srv = start_server()
    trace_id, optimization_id = seed(srv)
    # (hash, whether the payload must be visible there as text)
    pages = [
        ("#/overview", False),
        (f"#/explore?metric={METRIC}&stat=p95&by=route&range=15m", True),
        ("#/routes?range=1h", True),
        ("#/traces?range=1h", True),
        (f"#/trace/{trace_id}", True),
        ("#/database?range=1h", True),
        ("#/vitals?range=1h", False),
        ("#/journeys?range=1h", True),
        ("#/errors?range=1h", True),
        ("#/alerts", False),
        ("#/loadtests", False),
        ("#/issues", False),
        ("#/optimizations", True),
        (f"#/optimizations/{optimization_id}", True),
    ]
    with chromium() as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
        for hash_, shown in pages:
            driver.get(f"{srv.url}/{hash_}")
            if shown:
                wait_for(lambda: PAYLOAD in driver.find_element(By.TAG_NAME, "main").text, 20,
                         f"the payload shown as text on {hash_}")
            else:
                time.sleep(1.5)
            check_clean(driver, hash_)
        # The route detail page, through the routes table's link.
        driver.get(f"{srv.url}/#/routes?range=1h")
        # The table re-renders on refresh, so the link's target is read, not the element kept.
        href = wait_for(lambda: driver.execute_script(
            "const a = document.querySelector('#routes-table a.route-link'); return a && a.getAttribute('href');"),
            20, "a route link")
        driver.get(f"{srv.url}/{href}")
        wait_for(lambda: "#/route?" in driver.current_url, 10, "the route page")
        wait_for(lambda: PAYLOAD in driver.find_element(By.ID, "route-title").text, 20, "the route title")
        time.sleep(1)
        check_clean(driver, driver.current_url)


def check_clean(driver, where: str) -> None:
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        raise AssertionError(f"a dialog opened on {where}: {text}")
    except NoAlertPresentException:
        pass
    assert driver.execute_script("return window.__pwDialogs") == 0, f"alert() ran on {where}"
    injected = driver.execute_script(
        "return Array.from(document.querySelectorAll('img')).filter(i => i.getAttribute('src') === 'x' || i.hasAttribute('onerror')).length")
    assert injected == 0, f"{injected} injected <img> on {where}"
