"""Browser test of the embedded dashboard (dashboard/ -> EmbeddedDashboard.swift).

Drives Debian's headless chromium through selenium 4 against the real binary.
Relies on the session fixture `server` from conftest.py:
  .url                         -> "http://127.0.0.1:PORT"
  .post_metrics(list_of_dicts) -> requests.Response of POST /api/v1/metrics
  .get(path, **params)         -> requests.Response (`from_` means `from`)

Element ids/classes used (keep in sync with dashboard/):
  #explore-chart svg[data-point-count], #explore-chart path.series, #series-table tbody tr,
  #explore-metric, #explore-stat, #explore-by input[type=checkbox], #live-indicator[data-state],
  #error-banner / #error-text, .tile[data-tile-id] with class status-ok|warn|crit|unknown.
"""

from __future__ import annotations

import pathlib
import os
import shutil
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from conftest import now_ms

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "Tests" / "e2e" / "artifacts"
METRIC = "e2e.dashboard.request.duration"
MINUTE = 60_000


def wait_for(fn, timeout: float, what: str, interval: float = 0.1):
    """Polls fn() until it returns a truthy value; fails with `what` and the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
        except Exception as e:  # the DOM is re-rendered under us; just retry
            last = e
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:.1f}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def timing(route: str, value: float, t: int) -> dict:
    return {"name": METRIC, "kind": "timing", "value": value, "unit": "ms", "time": t, "tags": {"route": route}}


def chart_state(driver) -> dict | None:
    """Point count and series-path count of the explore chart, read atomically."""
    return driver.execute_script(
        """
        const svg = document.querySelector('#explore-chart svg');
        if (!svg) return null;
        return {count: parseInt(svg.getAttribute('data-point-count') || '0', 10),
                paths: svg.querySelectorAll('path.series').length,
                rows: document.querySelectorAll('#series-table tbody tr[data-series]').length};
        """
    )


def severe_console_errors(driver, allow: tuple[str, ...] = ()) -> list[str]:
    out = []
    for entry in driver.get_log("browser"):
        if entry.get("level") != "SEVERE":
            continue
        msg = entry.get("message", "")
        if any(a in msg for a in allow):
            continue
        out.append(msg)
    return out


@pytest.fixture(scope="module")
def driver():
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    drv.set_page_load_timeout(30)
    try:
        yield drv
    finally:
        drv.quit()


@pytest.fixture(scope="module")
def seeded(server):
    """Timings for routes /a, /b, /c every 15 s over the last 10 minutes."""
    now = now_ms()
    metrics = []
    for i, route in enumerate(("/a", "/b", "/c")):
        for k in range(40):
            t = now - 10 * MINUTE + k * 15_000
            for j in range(5):
                metrics.append(timing(route, 20.0 * (i + 1) + j * 3 + (k % 7), t + j))
    r = server.post_metrics(metrics)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == len(metrics), r.text
    return server


def test_explore_shows_series_and_updates_live(seeded, driver):
    server = seeded
    driver.get(f"{server.url}/#/explore?metric={METRIC}&stat=p95&by=route&range=15m")

    first = wait_for(
        lambda: (s := chart_state(driver)) and s["count"] > 0 and s["paths"] == 3 and s,
        15,
        "the explore chart with 3 series",
    )
    assert first["rows"] == 3, first
    # The selection from the hash is reflected in the controls.
    assert driver.find_element(By.ID, "explore-metric").get_attribute("value") == METRIC
    assert driver.find_element(By.ID, "explore-stat").get_attribute("value") == "p95"
    checked = driver.execute_script(
        "return [...document.querySelectorAll('#explore-by input:checked')].map(c => c.value)"
    )
    assert checked == ["route"]
    # The SSE stream is connected.
    wait_for(
        lambda: driver.find_element(By.ID, "live-indicator").get_attribute("data-state") == "live",
        10,
        "the live indicator to show a connected event stream",
    )
    before = chart_state(driver)["count"]
    driver.execute_script("window.__e2eMarker = 42")  # disappears if the page reloads

    # New data for a new route at the current time appears without a reload.
    t = now_ms()
    r = server.post_metrics([timing("/d", 50.0 + j, t + j) for j in range(5)])
    assert r.status_code == 200, r.text
    after = wait_for(
        lambda: (s := chart_state(driver)) and s["paths"] == 4 and s["count"] > before and s,
        5,
        f"the live update to draw a 4th series (count was {before})",
    )
    wait_for(lambda: chart_state(driver)["rows"] == 4, 2, "4 rows in the series table")
    assert driver.execute_script("return window.__e2eMarker") == 42, "the page reloaded"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    shot = ARTIFACTS / "dashboard.png"
    assert driver.save_screenshot(str(shot)), "screenshot failed"
    # The README's screenshot is refreshed on request, so a test run leaves the tree clean.
    if os.environ.get("PERFWATCH_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, REPO_ROOT / "docs" / "dashboard.png")

    assert not severe_console_errors(driver), "JavaScript console errors"

    # A reload restores the selection from the URL hash.
    driver.refresh()
    wait_for(
        lambda: (s := chart_state(driver)) and s["paths"] == 4 and s["count"] >= after["count"] and s,
        15,
        "the chart to come back after a reload",
    )
    assert driver.find_element(By.ID, "explore-metric").get_attribute("value") == METRIC
    assert driver.find_element(By.ID, "explore-stat").get_attribute("value") == "p95"


def test_overview_tiles(server, driver):
    driver.get(f"{server.url}/#/overview")
    for tile_id in ("cpu", "memory", "disk", "ingest"):
        el = wait_for(
            lambda: driver.find_elements(By.CSS_SELECTOR, f'.tile[data-tile-id="{tile_id}"]'),
            15,
            f"the {tile_id} tile",
        )[0]
        classes = el.get_attribute("class").split()
        assert any(c in classes for c in ("status-ok", "status-warn", "status-crit", "status-unknown")), classes
        assert el.is_displayed()
    wait_for(
        lambda: driver.find_elements(By.CSS_SELECTOR, "#overview-cpu-chart svg"), 10, "the CPU chart"
    )
    assert driver.find_element(By.ID, "error-banner").is_displayed() is False
    assert not severe_console_errors(driver), "JavaScript console errors"


def test_bad_stat_shows_server_error(seeded, driver):
    server = seeded
    r = server.get("/api/v1/query", metric=METRIC, stat="p999x", from_="-1h", to="now")
    assert r.status_code == 400, r.text
    message = r.json()["error"]["message"]
    assert message

    driver.get(f"{server.url}/#/explore?metric={METRIC}&stat=p999x&by=route")
    banner = driver.find_element(By.ID, "error-banner")
    wait_for(lambda: banner.is_displayed() and message in banner.text, 10, f"the error banner to show {message!r}")
    # Only the expected failed request may be in the console.
    assert not severe_console_errors(driver, allow=("/api/v1/query", "400")), "JavaScript console errors"
