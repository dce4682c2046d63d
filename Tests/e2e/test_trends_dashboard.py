"""Browser test of dashboard/page-routes.js and panel-bottlenecks.js: trend badges on the Routes table, the "Where the time
goes" bar on route detail, and the new issue types (anomaly with expected vs actual) on the
Issues page. Data: the hand-made OTLP traces of test_trends.py / test_bottlenecks.py sent to a
real server; Debian's headless Chromium through Selenium (driver and helpers from
test_dashboard.py, `dashboard()` from test_dashboard_load.py).

Element ids/classes used (keep in sync with dashboard/page-routes.js, panel-bottlenecks.js, issue-format.js):
  #routes-table tr.route-row[data-route] .trend-badge[data-trend], #route-bottleneck-card,
  #route-bottleneck .bn-seg[data-category], .bn-key[data-category], .bn-ops tr, .bn-path,
  #issues-type option[value], #issues-table tr.issue-row[data-type] a.issue-link, #issue-evidence tr[data-evidence].
"""

from __future__ import annotations

import time
import urllib.parse

from selenium.webdriver.common.by import By

from test_bottlenecks import send_workload
from test_dashboard import driver, severe_console_errors, wait_for  # noqa: F401
from test_dashboard_load import api, dashboard
from test_trends import HOUR_MS, Traces


def test_trend_badges_bottleneck_bar_and_issue_types(start_server, driver):
    server = start_server()
    now = int(time.time() * 1000)
    traces = Traces("trend-shop")
    for hour in range(24):
        for i in range(12):
            start = now - (24 - hour - i / 12) * HOUR_MS + 60_000
            traces.request("/grow", start, [], own_ms=(400 + 60 * hour) * traces.rng.uniform(0.9, 1.1))
            traces.request("/flat", start, [], own_ms=40 * traces.rng.uniform(0.9, 1.1))
    traces.send(server)
    send_workload(server, now)
    trends = {t["route"]: t for t in api(server, "/api/v1/trends", metric="p95", from_="-24h")["trends"]}
    assert trends["/grow"]["direction"] == "up" and trends["/flat"]["direction"] == "flat"

    with dashboard(server, driver) as url:
        driver.get(f"{url}/#/routes?range=24h")

        def badge(route):
            rows = driver.find_elements(By.CSS_SELECTOR, f'#routes-table tr.route-row[data-route="{route}"] .trend-badge')
            return rows[0] if rows else None

        grow = wait_for(lambda: badge("/grow"), 20, "the /grow trend badge")
        assert grow.get_attribute("data-trend") == "up" and grow.text.startswith("↑"), grow.text
        assert "ms/h" in grow.get_attribute("title")
        assert badge("/flat").get_attribute("data-trend") == "flat" and badge("/flat").text.startswith("→")

        # Route detail: the database takes nearly all of /reports' time.
        query = urllib.parse.urlencode({"service": "bn-shop", "route": "/reports", "range": "24h"})
        driver.get(f"{url}/#/route?{query}")
        seg = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, '#route-bottleneck .bn-seg[data-category="database"]'), 20,
                       "the bottleneck bar")[0]
        width = driver.execute_script("return parseFloat(arguments[0].style.width)", seg)
        assert width > 95, width
        legend = driver.find_element(By.CSS_SELECTOR, '#route-bottleneck .bn-key[data-category="database"]').text
        assert legend.startswith("Database") and "%" in legend, legend
        ops = driver.find_elements(By.CSS_SELECTOR, "#route-bottleneck .bn-ops tr")
        assert ops and "SELECT orders" in ops[0].text
        assert "SELECT orders" in driver.find_element(By.CSS_SELECTOR, "#route-bottleneck .bn-path").text
        # The card sits right under the route's stat tiles.
        assert driver.execute_script("return document.getElementById('route-stats').nextElementSibling.id") == "route-bottleneck-card"

        # Issues page: the new types are named in the list and offered in the filter.
        run = server.post("/api/v1/analysis/run?window=24h")
        assert run.status_code == 200 and run.json()["failures"] == [], run.text
        driver.get(f"{url}/#/issues")
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, '#issues-table tr.issue-row[data-type="parallelizable"]'), 20,
                 "the parallelizable issue row")
        types = driver.execute_script("return [...document.querySelectorAll('#issues-type option')].map(o => o.value)")
        for t in ("trend", "anomaly", "bottleneck", "parallelizable", "cache_hit_ratio"):
            assert t in types, types
        row = driver.find_element(By.CSS_SELECTOR, '#issues-table tr.issue-row[data-type="cache_hit_ratio"]')
        assert row.find_element(By.CSS_SELECTOR, ".iss-type").text == "Cache hit ratio"
        assert not severe_console_errors(driver), "JavaScript console errors"


def test_anomaly_issue_shows_expected_vs_actual(start_server, driver):
    """Two days of steady traffic on /profile with a two-hour 4× spike 12 h ago: the 24 h pass
    reports an anomaly whose page shows the expected and actual p95."""
    server = start_server()
    now = int(time.time() * 1000) // HOUR_MS * HOUR_MS
    traces = Traces("anomaly-shop", seed=9)
    for hour in range(47):
        for i in range(60):
            start = now - (47 - hour) * HOUR_MS + i * HOUR_MS / 60 + 1000
            spike = 35 <= hour < 37
            traces.request("/profile", start, [], own_ms=(120 if spike else 30) * traces.rng.uniform(0.8, 1.2))
        if hour % 8 == 7:
            traces.send(server)
    traces.send(server)
    run = server.post("/api/v1/analysis/run?window=24h")
    assert run.status_code == 200 and run.json()["failures"] == [], run.text
    anomalies = api(server, "/api/v1/issues", type="anomaly")["issues"]
    p95 = [a for a in anomalies if a["evidence"]["metric"] == "p95"]
    assert len(p95) == 1 and p95[0]["route"] == "/profile", anomalies
    issue = p95[0]
    assert issue["evidence"]["actual"] > 3 * issue["evidence"]["expected"]
    with dashboard(server, driver) as url:
        driver.get(f"{url}/#/issues?type=anomaly")
        link = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f'#issues-table tr.issue-row[data-issue-id="{issue["id"]}"] a.issue-link'),
                        20, "the anomaly row")[0]
        assert "expected" in link.text
        link.click()
        expected = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, '#issue-evidence tr[data-evidence="expected"]'), 20,
                            "the evidence table")[0]
        actual = driver.find_element(By.CSS_SELECTOR, '#issue-evidence tr[data-evidence="actual"]')
        # Shown as numbers rounded to 2 decimals, as page-issues.js renders evidence.
        assert expected.text.startswith("Expected") and f'{round(issue["evidence"]["expected"], 2):g}' in expected.text, expected.text
        assert actual.text.startswith("Actual") and f'{round(issue["evidence"]["actual"], 2):g}' in actual.text, actual.text
        assert not severe_console_errors(driver), "JavaScript console errors"
