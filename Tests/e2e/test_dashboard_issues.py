"""Browser test of the Issues page and the Overview's "Top issues" panel (dashboard/issues.js).

Starts a fresh server (conftest's `start_server`), sends the demo workload (`perfwatch demo
--backfill 10m`: an N+1 route, a slow LIKE query and a release regression), runs an analysis
pass (POST /api/v1/analysis/run), then drives headless Chromium and checks what a user sees
against GET /api/v1/issues. The driver and helpers come from test_dashboard.py, `dashboard()`
from test_dashboard_load.py (PERFWATCH_E2E_DASHBOARD_FROM_DISK=1 serves dashboard/ from disk
through dashboard_proxy.py, to check dashboard changes before the binary is rebuilt).

Element ids/classes used (keep in sync with dashboard/index.html and dashboard/issues.js):
  #nav-issues, #issues-status button[data-status] (.active, .iss-count), #issues-type, #issues-meta, #issues-empty,
  #issues-analyze, #issues-run-note, #issues-table tr.issue-row[data-issue-id][data-type][data-status]
  (a.issue-link, .iss-type, .iss-where, td.iss-impact, .iss-sev[data-severity]), #issue-view[data-issue-id][data-status],
  #issue-title, #issue-status [data-status], #issue-impact, #issue-description, #issue-recommendation, #issue-statement,
  #issue-evidence tr[data-evidence], #issue-route-link, #issue-traces-link, #issue-db-link, #issue-back,
  #issue-actions button[data-set-status], #overview-issues li.top-issue[data-issue-id] a.issue-link, #overview-issues-more.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_dashboard import cell_texts, click, driver, severe_console_errors, wait_for  # noqa: F401
from test_dashboard_load import api, dashboard, perfwatch

ROUTE, SERVICE = "/courses/:id", "learnhub-web"


@pytest.fixture
def issues(start_server):
    """A server with the demo's three issues, as GET /api/v1/issues lists them (biggest impact first)."""
    server = start_server()
    perfwatch("demo", "--server", server.url, "--duration", "0s", "--backfill", "10m", timeout=180)
    run = server.post("/api/v1/analysis/run")
    assert run.status_code == 200 and run.json()["failures"] == [], run.text
    listed = api(server, "/api/v1/issues")["issues"]
    assert sorted(i["type"] for i in listed) == ["n_plus_one", "regression", "slow_query"], listed
    return server, listed


def row_ids(driver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#issues-table tr.issue-row')].map(r => r.dataset.issueId)")


def format_value(driver, value, unit: str) -> str:
    """The dashboard's own formatting of a number (formatValue of its format.js module)."""
    return driver.execute_async_script(
        "const [value, unit, done] = arguments;"
        "import('/assets/format.js').then(m => done(m.formatValue(value, unit)), e => done('import failed: ' + e));", value, unit)


def impact(driver, issue: dict) -> str:
    """What the list shows for the issue's impact, with the dashboard's own number formatting."""
    ms = issue["impactMs"]
    if ms <= 0:
        return "—"  # not a time saving (throughput, errors, bytes): never "saves ≈ 0 ms"
    shown = format_value(driver, round(ms) if ms >= 10 else round(ms, 1), "ms")
    return f"saves ≈ {shown} per " + ("call" if issue["type"] == "slow_query" else "request")


def tab_count(driver, status: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f'#issues-status button[data-status="{status}"] .iss-count').text


def test_issues_empty_state(start_server, driver):
    server = start_server()
    with dashboard(server, driver) as url:
        driver.get(f"{url}/#/issues")
        text = wait_for(lambda: driver.find_element(By.ID, "issues-empty").text, 15, "the empty state")
        assert "No issues yet" in text and "perfwatch demo" in text, text
        assert "active" in driver.find_element(By.ID, "nav-issues").get_attribute("class")
        assert "active" in driver.find_element(By.CSS_SELECTOR, '#issues-status button[data-status="open"]').get_attribute("class")
        click(driver, "#issues-analyze", "Analyze now")
        note = wait_for(lambda: driver.find_element(By.ID, "issues-run-note").text, 15, "the analysis result")
        assert note.startswith("Analyzed in") and note.endswith("0 issues found"), note
        driver.get(f"{url}/#/overview")
        wait_for(lambda: "No open issues" in driver.find_element(By.ID, "overview-issues").text, 15, "the empty Top issues panel")
        assert not driver.find_element(By.ID, "error-banner").is_displayed()
        assert not severe_console_errors(driver), "JavaScript console errors"


def test_issues_list_detail_status_and_overview(issues, driver):
    server, listed = issues
    by_type = {i["type"]: i for i in listed}
    n1, slow, reg = by_type["n_plus_one"], by_type["slow_query"], by_type["regression"]
    ids = [str(i["id"]) for i in listed]
    with dashboard(server, driver) as url:
        # ---- the list: the open issues, biggest impact first, as the API sorts them.
        driver.get(f"{url}/#/issues")
        wait_for(lambda: row_ids(driver) == ids, 15, f"the issues {ids} in impact order")
        assert "active" in driver.find_element(By.ID, "nav-issues").get_attribute("class")
        assert driver.find_element(By.ID, "issues-meta").text == "3 issues, biggest impact first"
        assert tab_count(driver, "open") == "3" and tab_count(driver, "all") == "3" and tab_count(driver, "acknowledged") == ""
        for i in listed:
            sel = f'#issues-table tr.issue-row[data-issue-id="{i["id"]}"]'
            row = driver.find_element(By.CSS_SELECTOR, sel)
            assert row.find_element(By.CSS_SELECTOR, "a.issue-link").text == i["title"]
            assert row.find_element(By.CSS_SELECTOR, ".iss-sev").get_attribute("data-severity") == i["severity"]
            assert row.find_element(By.CSS_SELECTOR, "td.iss-impact").text == impact(driver, i), i
            where = row.find_element(By.CSS_SELECTOR, ".iss-where").text
            assert where == (f"{SERVICE} · {ROUTE}" if i["route"] else SERVICE), where
            cells = cell_texts(driver, sel)
            assert cells[3].endswith("ago") or cells[3] == "just now", cells
            assert cells[5].lower() == "open", cells
        assert n1["route"] == ROUTE and "12 times per request" in n1["title"] and n1["severity"] == "critical"
        assert reg["route"] == ROUTE and "1.5.0" in reg["title"]
        assert slow["title"].startswith("Slow query")
        assert driver.find_element(By.CSS_SELECTOR, f'tr.issue-row[data-issue-id="{n1["id"]}"] .iss-type').text == "N+1 queries"

        # ---- the type filter: a deep link, and back to all types.
        Select(driver.find_element(By.ID, "issues-type")).select_by_value("slow_query")
        wait_for(lambda: row_ids(driver) == [str(slow["id"])], 10, "only the slow query")
        assert "type=slow_query" in driver.current_url
        Select(driver.find_element(By.ID, "issues-type")).select_by_value("")
        wait_for(lambda: row_ids(driver) == ids, 10, "all three again")

        # ---- the N+1 detail: description, recommendation, evidence, links.
        click(driver, f'tr.issue-row[data-issue-id="{n1["id"]}"] td.iss-impact', "a click on the N+1 row")
        wait_for(lambda: driver.current_url.endswith(f"#/issues/{n1['id']}"), 5, "the issue's deep link")
        wait_for(lambda: driver.find_element(By.ID, "issue-view").get_attribute("data-issue-id") == str(n1["id"]), 15, "the detail")
        assert driver.find_element(By.ID, "issue-title").text == n1["title"]
        assert driver.find_element(By.ID, "issue-description").text == n1["description"].replace("`", "")
        rec = driver.find_element(By.ID, "issue-recommendation")
        assert n1["recommendation"].replace("`", "") in rec.text and "Saves" in rec.text
        assert driver.find_element(By.ID, "issue-impact").text == impact(driver, n1)
        ev = n1["evidence"]
        assert driver.find_element(By.ID, "issue-statement").text == ev["statement"] and "lessons" in ev["statement"]
        evidence = lambda k: driver.find_element(By.CSS_SELECTOR, f'#issue-evidence tr[data-evidence="{k}"] td').text  # noqa: E731
        assert evidence("callsPerRequestMedian") == str(round(ev["callsPerRequestMedian"])) and ev["callsPerRequestMedian"] >= 11
        assert evidence("msPerRequest") == format_value(driver, ev["msPerRequest"], "ms")
        route_href = driver.find_element(By.ID, "issue-route-link").get_attribute("href")
        assert route_href.endswith(f"#/route?service={SERVICE}&route={ROUTE}"), route_href
        traces_href = driver.find_element(By.ID, "issue-traces-link").get_attribute("href")
        assert f"#/traces?service={SERVICE}&route={ROUTE}" in traces_href, traces_href
        assert [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#issue-actions button")] == ["Acknowledge", "Resolve", "Ignore"]
        # The traces link opens Traces filtered by the route.
        click(driver, "#issue-traces-link", "the traces link")
        wait_for(lambda: driver.find_element(By.ID, "traces-route").get_attribute("value") == ROUTE, 10, "Traces filtered by the route")
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#traces-table tr.trace-row"), 15, "traces of the route")

        # ---- the regression detail links to the route too.
        driver.get(f"{url}/#/issues/{reg['id']}")
        wait_for(lambda: driver.find_element(By.ID, "issue-view").get_attribute("data-issue-id") == str(reg["id"]), 15, "the regression")
        assert driver.find_element(By.ID, "issue-route-link").get_attribute("href").endswith(f"route={ROUTE}")
        assert "p95 in 1.5.0" in driver.find_element(By.ID, "issue-evidence").text

        # ---- the slow query: links to the Database page; Acknowledge moves it to its tab.
        driver.get(f"{url}/#/issues/{slow['id']}")
        wait_for(lambda: driver.find_element(By.ID, "issue-view").get_attribute("data-issue-id") == str(slow["id"]), 15, "the slow query")
        assert driver.find_element(By.ID, "issue-statement").text == slow["evidence"]["statement"]
        assert "LIKE" in driver.find_element(By.ID, "issue-description").text
        assert driver.find_element(By.ID, "issue-db-link").get_attribute("href").endswith("#/database?sort=-p95")
        assert not driver.find_elements(By.ID, "issue-route-link")
        click(driver, '#issue-actions button[data-set-status="acknowledged"]', "Acknowledge")
        wait_for(lambda: driver.find_element(By.ID, "issue-view").get_attribute("data-status") == "acknowledged", 10, "acknowledged")
        assert driver.find_element(By.CSS_SELECTOR, "#issue-status [data-status]").text.lower() == "acknowledged"
        assert api(server, f"/api/v1/issues/{slow['id']}")["status"] == "acknowledged"
        assert "Reopen" in [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#issue-actions button")]
        click(driver, "#issue-back", "back to the issues")
        wait_for(lambda: row_ids(driver) == [str(n1["id"]), str(reg["id"])], 10, "the open tab without the slow query")
        assert tab_count(driver, "open") == "2" and tab_count(driver, "acknowledged") == "1"
        click(driver, '#issues-status button[data-status="acknowledged"]', "the Acknowledged tab")
        wait_for(lambda: row_ids(driver) == [str(slow["id"])], 10, "the slow query in the acknowledged tab")
        assert "status=acknowledged" in driver.current_url
        assert cell_texts(driver, "#issues-table tr.issue-row")[5].lower() == "acknowledged"

        # ---- Analyze now keeps the person's status.
        click(driver, "#issues-analyze", "Analyze now")
        wait_for(lambda: driver.find_element(By.ID, "issues-run-note").text.endswith("3 issues found"), 15, "the analysis result")
        wait_for(lambda: row_ids(driver) == [str(slow["id"])], 10, "still acknowledged")

        # ---- Overview: the biggest open issues, linking to their detail.
        open_now = [str(i["id"]) for i in api(server, "/api/v1/issues", status="open")["issues"]][:3]
        assert open_now == [str(n1["id"]), str(reg["id"])], open_now
        click(driver, "#nav-overview", "the Overview")
        top = lambda: driver.execute_script(  # noqa: E731
            "return [...document.querySelectorAll('#overview-issues li.top-issue')].map(l => l.dataset.issueId)")
        wait_for(lambda: top() == open_now, 15, f"the top issues {open_now}")
        first = driver.find_element(By.CSS_SELECTOR, "#overview-issues li.top-issue a.issue-link")
        assert first.text == n1["title"]
        assert n1["title"] in driver.find_element(By.ID, "overview-issues").text
        click(driver, "#overview-issues li.top-issue a.issue-link", "the top issue")
        wait_for(lambda: driver.find_element(By.ID, "issue-view").get_attribute("data-issue-id") == str(n1["id"]), 15, "its detail")

        # ---- Reopen brings the slow query back to the open tab, first again.
        driver.get(f"{url}/#/issues/{slow['id']}")
        wait_for(lambda: driver.find_element(By.ID, "issue-view").get_attribute("data-issue-id") == str(slow["id"]), 15, "the slow query")
        click(driver, '#issue-actions button[data-set-status="open"]', "Reopen")
        wait_for(lambda: driver.find_element(By.ID, "issue-view").get_attribute("data-status") == "open", 10, "reopened")
        driver.get(f"{url}/#/issues")
        wait_for(lambda: row_ids(driver) == ids, 10, "all three open again")
        assert not driver.find_element(By.ID, "error-banner").is_displayed()
        assert not severe_console_errors(driver), "JavaScript console errors"
