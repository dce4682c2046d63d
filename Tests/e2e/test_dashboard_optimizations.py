"""Browser test of the Optimizations page (dashboard/page-optimizations.js) and the deploy markers of
the time charts (chart.js `markers`).

A fresh server gets 40 min of a report route whose query drops from ~150 ms to ~20 ms when an
index goes in 20 min ago, a deploy marker 30 min ago, an optimization recorded for the index
(validated by an analysis pass) and one only planned. Headless Chromium then checks the list
(verdict, p95 before → after, success rate), the detail (impact table, p95 chart around the
change with the change and the deploy as markers), applying the planned one, the route page's
deploy marker, and the issue page's "Applied a fix" button.

Element ids/classes used (keep in sync with dashboard/index.html and dashboard/page-optimizations.js):
  #nav-optimizations, #opt-summary #opt-success, #opt-table tr.opt-row[data-opt-id][data-status] (a.opt-link,
  .opt-verdict[data-verdict], td.opt-change), #opt-view[data-opt-id], #opt-title, #opt-impact tr[data-k], #opt-chart,
  #opt-apply, #opt-impact-pending, .pc-marker[data-kind][data-label], #issue-fix-actions #issue-apply-fix, #route-latency-chart.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from conftest import now_ms
from otlp_traffic import send_requests
from test_dashboard import click, driver, severe_console_errors, wait_for  # noqa: F401
from test_dashboard_load import api, dashboard, points

MINUTE = 60_000
QUERY = "SELECT day, sum(total) FROM orders WHERE shop_id = 42 GROUP BY day"


@pytest.fixture
def optimized(start_server):
    server = start_server()
    applied = (now_ms() - 20 * MINUTE) // 10_000 * 10_000
    send_requests(server, service="shop", version="1", route="/reports", statement=QUERY, start_ms=applied - 20 * MINUTE,
                  end_ms=applied, count=240, self_ms=10, query_ms=150, seed=1)
    send_requests(server, service="shop", version="1", route="/reports", statement=QUERY, start_ms=applied,
                  end_ms=now_ms() - 30_000, count=240, self_ms=10, query_ms=20, seed=2)
    deploy = server.post("/api/v1/deployments", json={"service": "shop", "version": "1", "time": applied - 10 * MINUTE})
    assert deploy.status_code == 201, deploy.text
    # An issue of the slow query from the data before the index.
    assert server.post("/api/v1/analysis/run", params={"window": "40m"}).status_code == 200
    [slow] = api(server, "/api/v1/issues", type="slow_query")["issues"]
    fix = server.post("/api/v1/optimizations", json={"type": "index", "description": "index orders (shop_id, day)",
                                                     "route": "/reports", "service": "shop", "appliedAt": applied}).json()
    planned = server.post("/api/v1/optimizations", json={"type": "cache", "description": "cache report totals",
                                                         "route": "/reports", "service": "shop"}).json()
    assert server.post("/api/v1/analysis/run", params={"window": "15m"}).status_code == 200
    assert api(server, f"/api/v1/optimizations/{fix['id']}")["impact"]["verdict"] == "improved"
    return server, fix, planned, slow, applied


def verdicts(driver) -> dict:
    return driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#opt-table tr.opt-row')]"
        ".map(r => [r.dataset.optId, r.querySelector('.opt-verdict').dataset.verdict]))")


def markers(driver, selector: str) -> list[list[str]]:
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' .pc-marker')].map(m => [m.dataset.kind, m.dataset.label])", selector)


def test_optimizations_list_detail_apply_and_markers(optimized, driver):
    server, fix, planned, slow, applied = optimized
    impact = api(server, f"/api/v1/optimizations/{fix['id']}")["impact"]
    with dashboard(server, driver) as url:
        driver.get(f"{url}/#/optimizations")
        wait_for(lambda: len(verdicts(driver)) == 2, 15, "two optimization rows")
        assert "active" in driver.find_element(By.ID, "nav-optimizations").get_attribute("class")
        assert verdicts(driver) == {str(fix["id"]): "improved", str(planned["id"]): ""}
        assert driver.find_element(By.ID, "opt-success").text == "100%"
        change = driver.find_element(By.CSS_SELECTOR, f'tr.opt-row[data-opt-id="{fix["id"]}"] td.opt-change').text
        pct = driver.execute_script("return (+arguments[0]).toFixed(0)", impact["change_pct"])  # the page's rounding
        assert change.endswith(f"({pct}%)") and "→" in change, change

        # The detail: the impact as measured, and the route's p95 around the change with both markers.
        driver.find_element(By.CSS_SELECTOR, f'tr.opt-row[data-opt-id="{fix["id"]}"] a.opt-link').click()
        wait_for(lambda: driver.find_element(By.ID, "opt-view").get_attribute("data-opt-id") == str(fix["id"]), 15, "the detail view")
        assert driver.find_element(By.ID, "opt-title").text == "index orders (shop_id, day)"
        table = driver.find_element(By.ID, "opt-impact").text
        pct1 = driver.execute_script("return (+arguments[0]).toFixed(1)", impact["change_pct"])
        assert "Mann–Whitney p" in table and "< 0.001" in table and f"{pct1}%" in table, table
        wait_for(lambda: points(driver, "#opt-chart") > 10, 15, "the p95 chart around the change")
        kinds = markers(driver, "#opt-chart")
        assert ["optimization", "applied: index orders (shop_id, day)"] in kinds and ["deploy", "deploy shop 1"] in kinds, kinds

        # Applying the planned one from its page: it moves to "validating".
        driver.get(f"{url}/#/optimizations/{planned['id']}")
        click(driver, "#opt-apply", "Applied now")
        wait_for(lambda: driver.find_elements(By.ID, "opt-impact-pending") and
                 "Validating" in driver.find_element(By.ID, "opt-impact-pending").text, 15, "the applied state")
        assert api(server, f"/api/v1/optimizations/{planned['id']}")["status"] == "applied"

        # The route page draws the deploy on its latency chart.
        driver.get(f"{url}/#/route?service=shop&route=/reports")
        wait_for(lambda: ["deploy", "deploy shop 1"] in markers(driver, "#route-latency-chart"), 15, "the deploy marker on the route chart")
        # And Explore, on any metric.
        driver.get(f"{url}/#/explore?metric=http.server.duration&stat=p95")
        wait_for(lambda: ["deploy", "deploy shop 1"] in markers(driver, "#explore-chart"), 15, "the deploy marker in Explore")

        # An issue's "Applied a fix" records an optimization linked to it and opens it.
        driver.get(f"{url}/#/issues/{slow['id']}")
        wait_for(lambda: driver.find_elements(By.ID, "issue-apply-fix"), 15, "the Applied a fix button")
        driver.execute_script("window.prompt = (q, d) => q.startsWith('Which route') ? '/reports' : 'added an index';")
        driver.find_element(By.ID, "issue-apply-fix").click()
        wait_for(lambda: driver.find_elements(By.ID, "opt-title") and driver.find_element(By.ID, "opt-title").text == "added an index",
                 15, "the new optimization")
        created = [o for o in api(server, "/api/v1/optimizations")["optimizations"] if o["issueId"] == slow["id"]]
        assert len(created) == 1 and created[0]["route"] == "/reports" and created[0]["status"] == "applied"
        assert not driver.find_element(By.ID, "error-banner").is_displayed()
        assert not severe_console_errors(driver), "JavaScript console errors"


def test_optimizations_empty_and_unknown(start_server, driver):
    server = start_server()
    with dashboard(server, driver) as url:
        driver.get(f"{url}/#/optimizations")
        text = wait_for(lambda: driver.find_element(By.ID, "opt-empty").text, 15, "the empty state")
        assert "No optimizations yet" in text
        assert driver.find_element(By.ID, "opt-success").text == "—"
        driver.get(f"{url}/#/optimizations/987654")
        wait_for(lambda: "no optimization with this id" in driver.find_element(By.ID, "opt-view").text, 15, "the unknown id")
        assert not severe_console_errors(driver, allow=("/api/v1/optimizations/987654",)), "JavaScript console errors"


def test_overview_performance_score(start_server, driver):
    """The Overview's score is the overall Web Vitals score of GET /api/v1/vitals for the range."""
    from test_rum import beacon, post

    server = start_server()
    with dashboard(server, driver) as url:
        driver.get(f"{url}/#/overview")
        wait_for(lambda: driver.find_element(By.ID, "overview-score").get_attribute("data-score") == "" and
                 "No real-user page loads" in driver.find_element(By.ID, "overview-score").text, 15, "the empty score")
        key = api(server, "/api/v1/rum/setup")["key"]
        for i in range(4):
            assert post(server, beacon(key, f"d{i}", url="/pricing",
                                       vitals={"lcp": 3400 + i * 50, "cls": 0.15, "inp": 300, "fcp": 2000, "ttfb": 600})).status_code == 202
        expected = api(server, "/api/v1/vitals", from_="-1h")["overall"]["score"]
        assert 50 <= expected < 90
        driver.refresh()
        wait_for(lambda: driver.find_element(By.ID, "overview-score").get_attribute("data-score") == str(expected), 15,
                 f"the score {expected}")
        assert driver.find_element(By.ID, "overview-score").get_attribute("data-rating") == "needs-improvement"
        assert "4 page loads" in driver.find_element(By.ID, "overview-score").text
        assert not severe_console_errors(driver), "JavaScript console errors"
