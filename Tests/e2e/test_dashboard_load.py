"""Browser test of the Load Tests page (dashboard/page-loadtests.js): runs list, run detail, comparison.

Starts a fresh server (conftest's `start_server`), records two runs against its own /healthz
with the real `perfwatch load` binary (the first in quick mode; the second from a scenario
file with thresholds, one failing, and a second request that answers 404), sends demo OTLP
spans covering the runs' window for the server-side overlay, then drives headless Chromium
and checks what a user sees against the API: GET /api/v1/load-runs, /load-runs/{id},
/load-runs/compare?a=&b=. The driver and helpers come from test_dashboard.py.

PERFWATCH_E2E_DASHBOARD_FROM_DISK=1 serves dashboard/ from disk through a small proxy
(dashboard_proxy.py), to check dashboard changes before the binary is rebuilt.

Element ids/classes used (keep in sync with dashboard/index.html and dashboard/page-loadtests.js):
  #nav-loadtests, #lt-empty, #lt-meta, #lt-runs tr.lt-run-row[data-run-id] (input.lt-pick, td.lt-start[title],
  td.lt-passed [data-passed]), #lt-compare-btn, #lt-run-view[data-run-id], #lt-run-title, #lt-run-status[data-passed],
  .lt-tile[data-stat] .tile-value, #lt-latency tr.lt-corrected|lt-uncorrected td[data-p], #lt-thresholds tr[data-threshold][data-passed],
  #lt-requests tr.lt-req-row[data-request], #lt-rate-chart / #lt-latency-chart svg[data-point-count],
  #lt-latency-chart[data-server-routes], #lt-server-note code.lt-route, #lt-no-server, #lt-compare-prev,
  #lt-compare-table tr.lt-cmp-row[data-request][data-percentile] td.lt-change[data-direction] td.lt-sig .badge[data-significant],
  td.lt-mw[data-p-value] .badge[data-significant].
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess

import pytest
from selenium.webdriver.common.by import By

from conftest import perfwatch_binary
from test_dashboard import cell_texts, click, css_str, driver, severe_console_errors, wait_for  # noqa: F401

NAME = "health"
RED, GREEN = "rgb(220, 38, 38)", "rgb(22, 163, 74)"


@contextlib.contextmanager
def dashboard(server, driver):
    """The URL to open: the server itself, or a proxy serving dashboard/ from disk. The browser
    log starts empty and the page is left before the server stops (its event stream would fail)."""
    driver.get_log("browser")
    try:
        if os.environ.get("PERFWATCH_E2E_DASHBOARD_FROM_DISK") == "1":
            from dashboard_proxy import DashboardProxy
            with DashboardProxy(server.url) as proxy:
                yield proxy.url
                driver.get("about:blank")
        else:
            yield server.url
    finally:
        driver.get("about:blank")


def perfwatch(*args: str, ok=(0,), timeout: float = 60) -> str:
    p = subprocess.run([str(perfwatch_binary()), *args], capture_output=True, text=True, timeout=timeout)
    assert p.returncode in ok, f"perfwatch {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p.stdout


def api(server, path: str, **params) -> dict:
    r = server.get(path, **params)
    assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:300]}"
    return r.json()


@pytest.fixture
def runs(start_server, tmp_path):
    """Two runs named "health": #1 quick mode, 50/s for 3 s, passed; #2 a scenario with GET /healthz
    and GET /missing-page (404: errors) at 25/s, thresholds p95 ≤ 10 s (passes) and error_rate ≤ 1% (fails)."""
    server = start_server()
    perfwatch("load", "--url", f"{server.url}/healthz", "--rate", "50/s", "--duration", "3s", "--name", NAME,
              "--server", server.url)
    scenario = tmp_path / "health.yml"
    scenario.write_text(
        "config:\n"
        f"  name: {NAME}\n"
        f"  target: {server.url}\n"
        "  phases:\n"
        "    - {duration: 3s, arrivalRate: 25}\n"
        "  thresholds: {p95: 10s, error_rate: 1%}\n"
        "scenarios:\n"
        "  - name: check\n"
        "    flow:\n"
        "      - get: {url: /healthz}\n"
        "      - get: {url: /missing-page}\n")
    perfwatch("load", str(scenario), "--server", server.url, ok=(1,))  # exit 1: a threshold failed
    # OTLP spans of the demo app over the last minute: the server-side latency of the runs' window.
    perfwatch("demo", "--server", server.url, "--duration", "0", "--backfill", "1m", "--rate", "10", timeout=120)
    listed = api(server, "/api/v1/load-runs")["runs"]
    assert [r["name"] for r in listed] == [NAME, NAME], listed
    # The target's own spans for /healthz in the runs' window, as an instrumented target would send them.
    start, end = min(r["startMs"] for r in listed), max(r["endMs"] for r in listed)
    spans = [{
        "traceId": f"{i + 1:032x}", "spanId": f"{i + 1:016x}", "name": "GET /healthz", "kind": 2,
        "startTimeUnixNano": str(t * 1_000_000), "endTimeUnixNano": str((t + 3) * 1_000_000),
        "attributes": [{"key": "http.route", "value": {"stringValue": "/healthz"}},
                       {"key": "http.request.method", "value": {"stringValue": "GET"}},
                       {"key": "http.response.status_code", "value": {"intValue": "200"}}],
    } for i, t in enumerate(range(start, end, max(1, (end - start) // 20)))]
    r = server.post("/v1/traces", data=json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "health-target"}}]},
        "scopeSpans": [{"spans": spans}]}]}), headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    return server, listed


def fmt(driver, value, unit: str) -> str:
    """The dashboard's own formatting of a number (formatValue of its format.js module)."""
    return driver.execute_async_script(
        "const [value, unit, done] = arguments;"
        "import('/assets/format.js').then(m => done(m.formatValue(value, unit)), e => done('import failed: ' + e));", value, unit)


def points(driver, selector: str) -> int:
    """data-point-count of the chart's svg, read in one go (a chart re-renders itself when its width changes)."""
    return int(driver.execute_script(
        "const s = document.querySelector(arguments[0] + ' svg'); return s && s.getAttribute('data-point-count') || 0", selector))


def legend(driver, selector: str) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' .pc-legend-item')].map(e => e.textContent.trim())", selector)


def compare_row(driver, selector: str) -> dict | None:
    return driver.execute_script(
        """const tr = document.querySelector(arguments[0]);
        if (!tr) return null;
        const ch = tr.querySelector('td.lt-change'), b = tr.querySelector('td.lt-sig .badge');
        return {cells: [...tr.querySelectorAll('td')].map(td => td.innerText.trim()), change: ch.innerText.trim(),
                direction: ch.dataset.direction, color: getComputedStyle(ch).color,
                significant: b.dataset.significant, badge: b.innerText.trim()};""", selector)


def test_load_tests_empty_state(start_server, driver):
    server = start_server()
    with dashboard(server, driver) as url:
        driver.get(f"{url}/#/loadtests")
        text = wait_for(lambda: driver.find_element(By.ID, "lt-empty").text, 15, "the empty state")
        assert "No load runs yet" in text and "perfwatch load" in text, text
        assert "active" in driver.find_element(By.ID, "nav-loadtests").get_attribute("class")
        assert driver.find_element(By.ID, "lt-compare-btn").get_attribute("disabled") is not None
        assert not severe_console_errors(driver), "JavaScript console errors"


def test_load_tests_list_run_and_compare(runs, driver):
    server, listed = runs
    newer, older = listed  # newest first
    a, b = str(older["id"]), str(newer["id"])
    with dashboard(server, driver) as url:
        # ---- the list: one row per run, newest first, with the API's numbers.
        driver.get(f"{url}/#/loadtests")
        row = "#lt-runs tr.lt-run-row"
        wait_for(lambda: [r.get_attribute("data-run-id") for r in driver.find_elements(By.CSS_SELECTOR, row)] == [b, a],
                 15, "the two runs, newest first")
        assert driver.find_element(By.ID, "lt-meta").text == "2 runs · 1 failed"
        for r in listed:
            sel = f'{row}[data-run-id="{r["id"]}"]'
            cells = cell_texts(driver, sel)
            assert cells[1] == f'{NAME} #{r["id"]}', cells
            assert cells[2] == "just now" or cells[2].endswith("min ago"), cells
            assert driver.find_element(By.CSS_SELECTOR, sel + " td.lt-start").get_attribute("title").startswith("20"), "exact start on hover"
            assert cells[3].endswith(" s") and float(cells[3][:-2]) == pytest.approx((r["endMs"] - r["startMs"]) / 1000, abs=0.05), (cells, r)
            assert cells[4] == str(r["requests"]) and cells[7] == str(r["errors"]), (cells, r)
            assert cells[5].endswith("/s") and float(cells[5][:-2]) == pytest.approx(r["rate"], abs=0.05), (cells, r)
            assert cells[6] == fmt(driver, r["p95"], "ms"), (cells, r)
            assert driver.find_element(By.CSS_SELECTOR, sel + " td.lt-passed [data-passed]").get_attribute("data-passed") == \
                str(r["passed"]).lower()
        assert newer["passed"] is False and older["passed"] is True
        assert cell_texts(driver, f'{row}[data-run-id="{b}"]')[8] == "✗"
        assert cell_texts(driver, f'{row}[data-run-id="{a}"]')[8] == "✓"

        # ---- a run: the newer one (thresholds, two requests, errors).
        click(driver, f'{row}[data-run-id="{b}"] td:nth-child(5)', "a click on the newer run")
        wait_for(lambda: driver.current_url.endswith(f"#/loadtests/{b}"), 5, "the run's deep link")
        wait_for(lambda: driver.find_element(By.ID, "lt-run-view").get_attribute("data-run-id") == b, 15, "the run detail")
        rep = api(server, f"/api/v1/load-runs/{b}")["report"]
        tot = rep["total"]
        assert driver.find_element(By.ID, "lt-run-title").text == f"{NAME} #{b}"
        assert driver.find_element(By.ID, "lt-run-status").get_attribute("data-passed") == "false"
        tile = lambda k: driver.find_element(By.CSS_SELECTOR, f'.lt-tile[data-stat="{k}"] .tile-value').text  # noqa: E731
        assert tile("requests") == str(tot["count"]) and tile("dropped") == str(rep["dropped"])
        assert tile("rate").endswith("/s")
        for kind, key in (("lt-corrected", "latency"), ("lt-uncorrected", "uncorrected")):
            shown = [driver.find_element(By.CSS_SELECTOR, f"#lt-latency tr.{kind} td[data-p=p{p}]").text for p in (50, 95, 99)]
            assert shown == [fmt(driver, tot[key][f"p{p}"], "ms") for p in (50, 95, 99)], (kind, shown, tot[key])
        assert "server stalled" in driver.find_element(By.CSS_SELECTOR, "#lt-run-view .lt-note").text
        for t in rep["thresholds"]:
            tr = driver.find_element(By.CSS_SELECTOR, f'#lt-thresholds tr[data-threshold={css_str(t["name"])}]')
            assert tr.get_attribute("data-passed") == str(t["passed"]).lower(), t
            assert ("PASS" if t["passed"] else "FAIL") in tr.text.upper(), tr.text
        assert {t["name"]: t["passed"] for t in rep["thresholds"]} == {"p95": True, "error_rate": False}
        for q in rep["requests"]:
            cells = cell_texts(driver, f'#lt-requests tr.lt-req-row[data-request={css_str(q["name"])}]')
            assert cells[0] == q["name"] and cells[1] == str(q["count"]), (cells, q)
            assert cells[3:8] == [fmt(driver, q["latency"][k], "ms") for k in ("p50", "p90", "p95", "p99", "max")], (cells, q)
            assert cells[8].split()[0] == str(q["errors"]), (cells, q)
        assert [q["name"] for q in rep["requests"]] == ["GET /healthz", "GET /missing-page"]
        assert rep["requests"][1]["errors"] == rep["requests"][1]["count"] > 0
        # The per-second charts: requests/s and errors/s; client p95/p99 plus the server's routes.
        n = len(rep["series"])
        assert n >= 2, rep["series"]
        wait_for(lambda: points(driver, "#lt-rate-chart") == 2 * n, 10, f"{2 * n} points in the throughput chart")
        # The chart queries the run's own window (its step depends on the run's length): ask the API the same question.
        window = wait_for(lambda: driver.execute_script(
            "return document.getElementById('lt-latency-chart').getAttribute('data-server-window')"), 15, "the server window")
        w_from, w_to, w_step = (int(x) for x in window.split(","))
        assert w_from <= rep["startMs"] and w_to >= rep["endMs"] and w_to - w_from <= (rep["endMs"] - rep["startMs"]) + 2 * w_step * 1000
        all_routes = {s["tags"]["route"] for s in api(server, "/api/v1/query", metric="http.server.duration", stat="p95",
                                                        from_=w_from, to=w_to, step=f"{w_step}s", by="route")["series"]}
        assert "/healthz" in all_routes and len(all_routes) > 1, all_routes
        # Only the routes the run asked for are overlaid: the demo's routes in the same window are another app's
        # latency, not this run's (issue 15 #15).
        routes = {"/healthz"}
        wait_for(lambda: driver.execute_script(
            "const c = document.getElementById('lt-latency-chart');"
            "return c.getAttribute('data-server-window') === arguments[0] && c.getAttribute('data-server-routes')", window) == str(len(routes)),
                 15, f"{len(routes)} server routes in the latency chart")
        assert points(driver, "#lt-latency-chart") > 2 * n
        shown_routes = {e.text for e in driver.find_elements(By.CSS_SELECTOR, "#lt-server-note code.lt-route")}
        assert shown_routes == routes, (shown_routes, routes)
        names = legend(driver, "#lt-latency-chart")
        assert "client p95" in names and "client p99" in names and f"server p95 · {sorted(routes)[0]}" in names, names
        assert not driver.find_elements(By.ID, "lt-no-server")
        # One click to compare with the previous run of the same name.
        assert driver.find_element(By.ID, "lt-compare-prev").get_attribute("href").endswith(f"#/loadtests?compare={a},{b}")

        # ---- compare: tick both runs in the list, then Compare (the older run is the baseline).
        click(driver, "#nav-loadtests", "the Load Tests nav link")
        wait_for(lambda: driver.find_element(By.CSS_SELECTOR, f'{row}[data-run-id="{b}"] input.lt-pick').is_displayed(), 10, "the list")
        assert driver.find_element(By.ID, "lt-compare-btn").get_attribute("disabled") is not None
        click(driver, f'{row}[data-run-id="{b}"] input.lt-pick', "the newer run's checkbox")
        click(driver, f'{row}[data-run-id="{a}"] input.lt-pick', "the older run's checkbox")
        wait_for(lambda: driver.find_element(By.ID, "lt-compare-btn").get_attribute("disabled") is None, 5, "Compare enabled")
        click(driver, "#lt-compare-btn", "the Compare button")
        wait_for(lambda: driver.current_url.endswith(f"#/loadtests?compare={a},{b}"), 5, "the comparison's deep link")
        cmp = api(server, "/api/v1/load-runs/compare", a=a, b=b)
        assert {q["name"] for q in cmp["requests"]} == {"GET /healthz", "all"}, cmp  # only names in both runs
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#lt-compare-table tr.lt-cmp-row"), 15, "the comparison table")
        for q in cmp["requests"]:
            c = q["comparison"]
            base = f'#lt-compare-table tr.lt-cmp-row[data-request={css_str(q["name"])}]'
            for x in c["percentiles"]:
                sel = f'{base}[data-percentile="{x["percentile"]}"]'
                row = wait_for(lambda: compare_row(driver, sel), 5, sel)
                cells = row["cells"]
                assert f'p{x["percentile"]}' in cells, cells
                assert fmt(driver, x["baseline"], "ms") in cells and fmt(driver, x["candidate"], "ms") in cells, (cells, x)
                pct = abs(x["relativeChange"]) * 100
                assert row["change"].endswith("%") and abs(float(row["change"][1:-1]) - pct) <= 0.01 * max(1, pct), (row, x)
                want = "slower" if x["relativeChange"] > 0 else "faster" if x["relativeChange"] < 0 else "same"
                assert row["direction"] == want, (row, x)
                if want != "same":
                    assert row["color"] == (RED if want == "slower" else GREEN), (want, row)
                assert row["significant"] == str(x["significant"]).lower(), (row, x)
                assert row["badge"].lower() == ("significant" if x["significant"] else "not significant"), row
            mw = c["mannWhitney"]
            assert mw is not None, "150 and 75 requests are enough for Mann–Whitney"
            cell = driver.find_element(By.CSS_SELECTOR, f"{base} td.lt-mw")
            assert float(cell.get_attribute("data-p-value")) == pytest.approx(mw["pValue"]), mw
            assert "p = " in cell.text
            assert cell.find_element(By.CSS_SELECTOR, ".badge").get_attribute("data-significant") == str(mw["significant"]).lower()
        assert driver.find_elements(By.CSS_SELECTOR, '#lt-compare-table .badge[data-significant]')

        assert driver.find_element(By.ID, "error-banner").is_displayed() is False
        assert not severe_console_errors(driver), "JavaScript console errors"
