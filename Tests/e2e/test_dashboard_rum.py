"""Browser test of the real-user monitoring pages (dashboard/page-vitals.js, page-journeys.js, page-errors.js): Web Vitals, Journeys, Errors.

Seeds a fresh server of its own with beacons posted to POST /api/v1/rum exactly as the
browser snippet sends them (docs/formats/rum-beacon.md: JSON as text/plain, the public key
from GET /api/v1/rum/setup, a mobile or desktop User-Agent), then drives headless Chromium
through the pages and checks what a user sees. The driver and helpers come from
test_dashboard.py.

Element ids/classes used (keep in sync with dashboard/index.html and dashboard/page-vitals.js, page-journeys.js, page-errors.js):
  #vitals-empty / #vitals-install code.snippet-code, #vitals-body, #vitals-device button[data-device],
  #vitals-score[data-score][data-rating], .vital-tile[data-vital][data-rating] .tile-value,
  .share-bar i[data-share], #vitals-table tr.vitals-row[data-page][data-device] td.vital-cell[data-vital][data-rating],
  td.cwv[data-pass], #vitals-table th[data-sort], #vitals-trend-<vital> svg[data-point-count], .pc-legend-item,
  #vitals-js-chart svg[data-point-count], #vitals-res-table tr[data-type],
  .journey[data-journey-type] .fn-row[data-stage][data-step] .fn-count, .abandoned-at li[data-step],
  [data-fact=target], .bottleneck[data-step], .steps-table tr[data-step],
  #errors-table tr.err-row[data-fingerprint] (+ the following tr.err-stack), #nav-vitals/-journeys/-errors.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile

import pytest
from selenium.webdriver.common.by import By

from conftest import Server, now_ms
from test_dashboard import ARTIFACTS, cell_texts, click, css_str, driver, severe_console_errors, shown, wait_for  # noqa: F401

DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
MOBILE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/120.0.0.0 Mobile Safari/537.36")
FAST, SLOW = "/pricing", "/products/:id"
VIEWS = 5
ERROR_MSG = "Uncaught TypeError: cart is undefined"
RED, GREEN = "rgb(220, 38, 38)", "rgb(22, 163, 74)"


@pytest.fixture(scope="module")
def rum_server():
    """A server of its own, so the empty state is really empty."""
    data_dir = tempfile.mkdtemp(prefix="perfwatch-e2e-rum-")
    srv = Server(data_dir)
    try:
        srv.wait_ready()
    except RuntimeError as e:
        srv.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        pytest.fail(str(e), pytrace=False)
    yield srv
    try:
        srv.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def setup_info(server) -> dict:
    r = server.get("/api/v1/rum/setup")
    assert r.status_code == 200, f"GET /api/v1/rum/setup: {r.status_code} {r.text[:300]}"
    return r.json()


def beacon(key: str, url: str, route: str, release: str, **fields) -> dict:
    b = {"v": 1, "key": key, "pv": secrets.token_hex(8), "sid": secrets.token_hex(8), "url": url, "route": route,
         "ref": "", "rel": release, "t": now_ms() - 60_000}
    b.update(fields)
    return b


def send(server, body: dict, user_agent: str) -> None:
    r = server.post("/api/v1/rum", data=json.dumps(body),
                    headers={"Content-Type": "text/plain;charset=UTF-8", "User-Agent": user_agent})
    assert 200 <= r.status_code < 300, f"beacon rejected: {r.status_code} {r.text[:300]}"


def rating_of(score: int) -> str:
    return "good" if score >= 90 else "needs-improvement" if score >= 50 else "poor"


@pytest.fixture(scope="module")
def seeded(rum_server):
    """Five fast desktop page views of /pricing (release 2.0), five slow mobile ones of
    /products/:id (release 2.1) with one error, and two checkout journeys: one completed,
    one abandoned after its first step."""
    server = rum_server
    key = setup_info(server)["key"]
    for i in range(VIEWS):
        send(server, beacon(key, FAST, FAST, "2.0", vw=1280, vh=800, nt="navigate",
                            vitals={"lcp": 900 + 50 * i, "fcp": 600 + 10 * i, "cls": 0.01, "inp": 60 + i, "ttfb": 120 + i},
                            res={"script": {"n": 2, "b": 40_000, "d": 90_000}, "image": {"n": 3, "b": 120_000, "d": 120_000}}),
             DESKTOP_UA)
    slow_pvs = []
    for i in range(VIEWS):
        b = beacon(key, f"/products/{40 + i}", SLOW, "2.1", vw=412, vh=860, nt="navigate",
                   vitals={"lcp": 5200 + 100 * i, "fcp": 3500 + 10 * i, "cls": 0.4, "inp": 700 + i, "ttfb": 2000 + i},
                   res={"script": {"n": 6, "b": 400_000, "d": 1_200_000}})
        slow_pvs.append(b["pv"])
        send(server, b, MOBILE_UA)
    t = now_ms() - 30_000
    send(server, beacon(key, "/products/40", SLOW, "2.1", vw=412, vh=860, pv=slow_pvs[0], errors=[{
        "kind": "error", "msg": ERROR_MSG, "src": "http://shop.test/app.js", "line": 12, "col": 5, "t": t,
        "stack": "TypeError: cart is undefined\n    at addToCart (http://shop.test/app.js:12:5)"}]), MOBILE_UA)
    pv = slow_pvs[1]
    send(server, beacon(key, "/products/41", SLOW, "2.1", vw=412, vh=860, pv=pv, journeys=[
        {"id": pv + "-1", "type": "checkout", "target": 5000, "start": t, "state": "completed", "end": t + 2000,
         "steps": [{"name": "cart", "t": 400.0}, {"name": "pay", "t": 1500.0}]},
        {"id": pv + "-2", "type": "checkout", "target": 5000, "start": t + 3000, "state": "abandoned", "end": t + 3800,
         "steps": [{"name": "cart", "t": 300.0}]}]), MOBILE_UA)
    wait_for(lambda: vitals_api(server)["overall"]["samples"] == 2 * VIEWS, 15, "all page views in /api/v1/vitals")
    return server


def vitals_api(server, **params) -> dict:
    r = server.get("/api/v1/vitals", from_="-1h", to="now", **params)
    assert r.status_code == 200, r.text
    return r.json()


def style(driver, selector: str, prop: str = "color") -> str | None:
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e && getComputedStyle(e)[arguments[1]];", selector, prop)


def points(driver, selector: str) -> int:
    return int(attr(driver, selector + " svg", "data-point-count") or 0)


# The pages re-render when live data arrives: read through the DOM in one script call each, so no
# element reference can go stale between finding it and reading it.
def attr(driver, selector: str, name: str):
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null",
                                 selector, name)


def text_of(driver, selector: str):
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? (e.innerText ?? e.textContent).trim() : null", selector)


def screenshot(driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    assert driver.save_screenshot(str(ARTIFACTS / name)), "screenshot failed"
    if os.environ.get("PERFWATCH_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(ARTIFACTS / name, ARTIFACTS.parents[2] / "docs" / name)


def test_vitals_empty_state_shows_the_snippet(rum_server, driver):
    key = setup_info(rum_server)["key"]
    driver.get(f"{rum_server.url}/#/vitals")
    code = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#vitals-empty code.snippet-code").text, 15,
                    "the install snippet in the empty state")
    assert f'data-key="{key}"' in code and "/rum.js" in code, code
    assert not driver.find_element(By.ID, "vitals-body").is_displayed()
    assert "active" in driver.find_element(By.ID, "nav-vitals").get_attribute("class")
    assert not severe_console_errors(driver), "JavaScript console errors"


def test_vitals_page(seeded, driver):
    server = seeded
    api = vitals_api(server)
    overall = api["overall"]
    driver.get(f"{server.url}/#/vitals?range=1h")

    # The score gauge shows the overall score, coloured by its band.
    score = wait_for(lambda: attr(driver, "#vitals-score", "data-score"), 15, "the score gauge")
    assert overall["score"] is not None and score == str(round(overall["score"])), (score, overall["score"])
    assert text_of(driver, "#vitals-score .g-num") == score
    assert attr(driver, "#vitals-score", "data-rating") == rating_of(int(score))

    # One tile per vital: the p75 coloured by its rating, and the share bar.
    for vital in ("lcp", "inp", "cls", "fcp", "ttfb"):
        tile = f'.vital-tile[data-vital="{vital}"]'
        assert attr(driver, tile, "data-rating") == overall["vitals"][vital]["rating"], vital
        assert text_of(driver, tile + " .tile-value") not in ("", "—", None), vital
    # Half the loads are fast and half slow: LCP's p75 is poor (red), its bar half green, half red.
    assert overall["vitals"]["lcp"]["rating"] == "poor"
    assert style(driver, '.vital-tile[data-vital="lcp"] .tile-value') == RED
    widths = driver.execute_script(
        "return [...document.querySelectorAll('.vital-tile[data-vital=\"lcp\"] .share-bar i')]"
        ".map(i => [i.dataset.share, parseFloat(i.style.width)])")
    assert dict(widths)["good"] == pytest.approx(50, abs=1) and dict(widths)["poor"] == pytest.approx(50, abs=1), widths

    # The per-page table: the fast page passes, the slow one fails, each cell coloured by its rating.
    fast = f"#vitals-table tr.vitals-row[data-page={css_str(FAST)}][data-device=desktop]"
    slow = f"#vitals-table tr.vitals-row[data-page={css_str(SLOW)}][data-device=mobile]"
    cells = wait_for(lambda: cell_texts(driver, fast), 10, "the /pricing row")
    assert cells[:3] == [FAST, "desktop", str(VIEWS)], cells
    assert cells[8] == "✓" and cell_texts(driver, slow)[8] == "✗"
    for row, rating, color in ((fast, "good", GREEN), (slow, "poor", RED)):
        for vital in ("lcp", "cls"):
            cell = f'{row} td.vital-cell[data-vital="{vital}"]'
            assert attr(driver, cell, "data-rating") == rating, cell
            assert style(driver, cell) == color, cell
    # Sorting by LCP (descending first) puts the slow page on top.
    click(driver, '#vitals-table th[data-sort="lcp"] button', "a click on the LCP header")
    wait_for(lambda: "sort=-lcp" in driver.current_url, 5, "sort=-lcp in the URL")
    wait_for(lambda: attr(driver, "#vitals-table tr.vitals-row", "data-page") == SLOW,
             5, "the slow page first")

    # Trends split by release, the JavaScript weight chart and the bytes per type.
    wait_for(lambda: points(driver, "#vitals-trend-lcp") > 0, 10, "points in the LCP trend")
    # One script call: the chart may be redrawn (live data, deploy markers) between reads.
    legend = wait_for(lambda: driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim())", "#vitals-trend-lcp .pc-legend-item"),
        10, "the LCP trend legend")
    assert sorted(legend) == ["2.0", "2.1"], legend
    wait_for(lambda: points(driver, "#vitals-js-chart") > 0, 10, "points in the JavaScript weight chart")
    script = wait_for(lambda: cell_texts(driver, '#vitals-res-table tr[data-type="script"]'), 10, "the script row")
    assert script[1] == "214.8 KiB" and script[2] == str(2 * VIEWS), script  # (40 000 + 400 000) / 2 bytes
    # With samples, the snippet sits in the collapsible install box.
    assert driver.find_element(By.ID, "vitals-empty").is_displayed() is False
    assert driver.find_element(By.ID, "vitals-install").is_displayed()
    screenshot(driver, "vitals.png")

    # The device switch filters everything and is kept in the URL.
    click(driver, '#vitals-device button[data-device="mobile"]', "the Mobile switch")
    wait_for(lambda: "device=mobile" in driver.current_url, 5, "device=mobile in the URL")
    mobile = vitals_api(server, device="mobile")["overall"]
    wait_for(lambda: driver.execute_script("return [...document.querySelectorAll('#vitals-table tr.vitals-row')].map(r => r.dataset.page)")
             == [SLOW], 10, "only the mobile page")
    wait_for(lambda: attr(driver, "#vitals-score", "data-score") == str(round(mobile["score"])),
             10, f"the mobile score {mobile['score']}")
    assert attr(driver, "#vitals-score", "data-rating") == rating_of(round(mobile["score"]))
    # A row opens the page's own view (a deep link).
    click(driver, slow + " td:nth-child(3)", "a click on the mobile row")
    wait_for(lambda: "page=/products/:id" in driver.current_url, 5, "page= in the URL")
    wait_for(lambda: SLOW in (text_of(driver, "#vitals-page-chip") or ""), 5, "the page chip")

    assert driver.find_element(By.ID, "error-banner").is_displayed() is False
    assert not severe_console_errors(driver), "JavaScript console errors"


def test_journeys_page(seeded, driver):
    server = seeded
    driver.get(f"{server.url}/#/vitals")
    click(driver, "#nav-journeys", "the Journeys nav link")
    card = '.journey[data-journey-type="checkout"]'

    # Read through the DOM in one script call: the page may re-render when live data arrives,
    # and an element found earlier would then be stale.
    def text(selector):
        return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null", selector)

    def count(stage, step=None):
        return text(f'{card} .fn-row[data-stage="{stage}"]' + (f'[data-step="{step}"]' if step else "") + " .fn-count")

    wait_for(lambda: count("started") == "2", 15, "the checkout funnel with 2 started")
    assert [count("step", "cart"), count("step", "pay"), count("completed")] == ["2", "1", "1"]
    pcts = driver.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' .fn-row .fn-pct')].map(e => e.textContent)", card)
    assert pcts == ["100%", "100%", "50%", "50%"], pcts
    abandoned = text(f'{card} .abandoned-at li[data-step="cart"]')
    assert abandoned.startswith("1 ") and "cart" in abandoned, abandoned
    assert "100%" in text(f"{card} [data-fact=target]")  # 2 s < 5 s target
    assert len(driver.find_elements(By.CSS_SELECTOR, f"{card} .steps-table tr[data-step]")) == 2
    j = next(x for x in server.get("/api/v1/journeys", from_="-1h", to="now").json()["journeys"] if x["type"] == "checkout")
    if j["bottleneck"]:
        attribute = "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null"
        assert driver.execute_script(attribute, f"{card} .bottleneck", "data-step") == j["bottleneck"]["step"]
        shown = driver.execute_script("return document.querySelector(arguments[0]).textContent", f"{card} .bottleneck")
        assert (j["bottleneck"].get("detail") or "") in shown and shown.count("drop-off") <= 1, shown
        assert "is-bottleneck" in driver.execute_script(
            attribute, f'{card} .steps-table tr[data-step="{j["bottleneck"]["step"]}"]', "class")
    screenshot(driver, "journeys.png")
    assert not severe_console_errors(driver), "JavaScript console errors"


def test_errors_page(seeded, driver):
    server = seeded
    driver.get(f"{server.url}/#/errors?range=1h")
    row = "#errors-table tr.err-row"
    cells = wait_for(lambda: cell_texts(driver, row), 15, "an error row")
    assert ERROR_MSG in cells[0] and "app.js:12:5" in cells[0], cells
    assert cells[1].lower() == "error" and cells[2] == "1" and SLOW in cells[3], cells
    assert cells[5] == "just now" or cells[5].endswith(" min ago"), cells
    stack = f"{row} + tr.err-stack"
    assert shown(driver, stack) is False, "the stack is shown before the row is clicked"
    click(driver, f"{row} td:nth-child(3)", "a click on the error row")
    wait_for(lambda: "at addToCart" in driver.find_element(By.CSS_SELECTOR, stack).text, 5, "the expanded stack")
    assert "active" in driver.find_element(By.ID, "nav-errors").get_attribute("class")
    assert not severe_console_errors(driver), "JavaScript console errors"


def test_vitals_charts_show_deploy_markers(seeded, driver):
    """A deploy inside the range is drawn on the vitals trend charts, as on every time chart."""
    server = seeded
    marked = server.http.post(server.url + "/api/v1/deployments", json={"service": "storefront", "version": "2.1", "time": "-2m"},
                              timeout=30)
    assert marked.status_code == 201, marked.text
    driver.get(f"{server.url}/#/vitals?range=1h")
    labels = wait_for(lambda: driver.execute_script(
        "return [...document.querySelectorAll('#vitals-trend-lcp .pc-marker')].map(m => m.dataset.label)"),
        10, "a deploy marker on the LCP trend")
    assert labels == ["deploy storefront 2.1"], labels
    assert not severe_console_errors(driver), "JavaScript console errors"
