"""Browser test of the Edge page (dashboard/page-edge.js) and of edge optimizations on the Optimizations page
(dashboard/page-optimizations.js): a server fed with a hand-made edge report and a published policy, and an
edge optimization applied and rolled back with the page's buttons.

Element ids/classes used (keep in sync with dashboard/index.html, page-edge.js and page-optimizations.js):
  #nav-edge, #edge-policy-version, #edge-table tr.edge-row[data-edge][data-connected] (.edge-version, .edge-health[data-healthy]
  [data-total], .edge-upstream[data-state], .edge-hit-ratio, .edge-saved, .edge-dropped, .edge-refused),
  #edge-policies tr.edge-policy-row[data-version] (.edge-policy-json), #edge-empty,
  #opt-table tr.opt-row[data-status] .opt-verdict, #opt-apply, #opt-rollback, #opt-policy-change, #opt-rollback-reason.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By

from test_dashboard import click, driver, severe_console_errors, wait_for  # noqa: F401
from test_dashboard_load import api, dashboard
from test_policy_api import CACHE_COURSES, report


def rows(driver) -> dict:
    return driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#edge-table tr.edge-row')].map(r => [r.dataset.edge, {"
        "version: r.querySelector('.edge-version').textContent, healthy: r.querySelector('.edge-health').dataset.healthy,"
        "total: r.querySelector('.edge-health').dataset.total, ratio: r.querySelector('.edge-hit-ratio').textContent,"
        "saved: r.querySelector('.edge-saved').textContent, dropped: r.querySelector('.edge-dropped').textContent,"
        "images: r.querySelector('.edge-images').textContent,"
        "states: [...r.querySelectorAll('.edge-upstream')].map(u => u.dataset.state),"
        "refused: (r.querySelector('.edge-refused') || {}).textContent || ''}]))")


def test_edge_page_lists_edges_and_the_policy_history(start_server, driver):
    server = start_server()
    assert server.request("PUT", "/api/v1/edge/policy", json=CACHE_COURSES).status_code == 200
    healthy = report("edge-a", 1)
    degraded = report("edge-b", 0, refused={"version": 1, "reason": "routes[0].cache: unsupported"},
                      telemetry={"buffered": 10, "dropped": 42},
                      images={"transcoded": 12, "undecodable": 1, "too_large": 2, "busy": 0, "not_smaller": 0,
                              "bytes_in": 1_200_000, "bytes_out": 151_424},
                      upstreams=[{"url": "http://127.0.0.1:3000", "healthy": True, "ejected": False, "ewma_ms": 8},
                                 {"url": "http://127.0.0.1:3001", "healthy": True, "ejected": True, "ewma_ms": 410}])
    for body in (healthy, degraded):
        assert server.post("/api/v1/edge/report", json=body).status_code == 204
    with dashboard(server, driver) as url:
        driver.get(f"{url}/#/edge")
        seen = wait_for(lambda: len(rows(driver)) == 2 and rows(driver), 15, "the two edges")
        assert driver.find_element(By.ID, "edge-policy-version").text == "1"
        assert seen["edge-a"] == {"version": "1", "healthy": "1", "total": "1", "ratio": "90%", "saved": "64 KiB",
                                  "dropped": "0", "states": ["up"], "refused": "", "images": "—"}, seen["edge-a"]
        b = seen["edge-b"]
        assert b["version"].startswith("0 (behind)") and b["healthy"] == "1" and b["total"] == "2"
        assert b["states"] == ["up", "ejected"] and b["dropped"] == "42" and "unsupported" in b["refused"]
        # 12 variants, 1,200,000 → 151,424 bytes; originals passed on, by reason (docs/images.md).
        assert b["images"].startswith("12 transcoded") and "1 MiB saved" in b["images"], b["images"]
        assert "passed on: 1 undecodable, 2 too large" in b["images"], b["images"]
        versions = driver.execute_script(
            "return [...document.querySelectorAll('#edge-policies tr.edge-policy-row')].map(r => r.dataset.version)")
        assert versions == ["1"]
        assert "/courses/:id" in driver.execute_script(
            "return document.querySelector('#edge-policies .edge-policy-json').textContent")
        assert not driver.find_element(By.ID, "error-banner").is_displayed()
        assert not severe_console_errors(driver), "JavaScript console errors"


def test_edge_page_empty(start_server, driver):
    server = start_server()
    with dashboard(server, driver) as url:
        driver.get(f"{url}/#/edge")
        text = wait_for(lambda: driver.find_element(By.ID, "edge-empty").text, 15, "the empty state")
        assert "No edge has reported" in text and "perfwatch edge" in text
        assert "Nothing published yet" in driver.find_element(By.ID, "edge-policies").text
        assert not severe_console_errors(driver), "JavaScript console errors"


def test_edge_optimization_apply_and_rollback_buttons(start_server, driver):
    server = start_server()
    fix = server.post("/api/v1/optimizations", json={
        "type": "edge_cache", "description": "cache GET /courses/:id for 60 s", "route": "/courses/:id", "service": "edge",
        "policy_change": CACHE_COURSES}).json()
    with dashboard(server, driver) as url:
        driver.get(f"{url}/#/optimizations")
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#opt-table tr.opt-row[data-status=proposed]"), 15, "the proposal")
        assert driver.find_element(By.CSS_SELECTOR, "#opt-table tr.opt-row .opt-verdict").text.lower() == "proposed"

        driver.get(f"{url}/#/optimizations/{fix['id']}")
        wait_for(lambda: "/courses/:id" in driver.find_element(By.ID, "opt-policy-change").text, 15, "the policy change")
        click(driver, "#opt-apply", "Apply")
        wait_for(lambda: driver.find_elements(By.ID, "opt-rollback"), 15, "the Roll back button")
        assert api(server, f"/api/v1/optimizations/{fix['id']}")["status"] == "applied"
        assert server.get("/api/v1/edge/policy").headers["ETag"] == '"1"'

        click(driver, "#opt-rollback", "Roll back")
        wait_for(lambda: driver.find_elements(By.ID, "opt-rollback-reason"), 15, "the rollback reason")
        assert "rolled back by hand" in driver.find_element(By.ID, "opt-rollback-reason").text
        assert api(server, f"/api/v1/optimizations/{fix['id']}")["status"] == "rolled_back"
        assert server.get("/api/v1/edge/policy").json()["routes"] == []

        # A refused write shows in the banner: applying what is already applied conflicts.
        assert server.post(f"/api/v1/optimizations/{fix['id']}/apply").status_code == 200
        assert server.post(f"/api/v1/optimizations/{fix['id']}/rollback").status_code == 200
        driver.get(f"{url}/#/optimizations/{fix['id']}")
        wait_for(lambda: driver.find_elements(By.ID, "opt-apply"), 15, "the Apply button again")
        # Applied behind the page's back: its Apply button is stale.
        assert server.post(f"/api/v1/optimizations/{fix['id']}/apply").status_code == 200
        click(driver, "#opt-apply", "Apply (stale)")
        banner = wait_for(lambda: driver.find_element(By.ID, "error-banner").is_displayed()
                          and driver.find_element(By.ID, "error-banner").text, 15, "the error banner")
        assert "Could not apply" in banner and "already applied" in banner, banner
        assert not severe_console_errors(driver, allow=("/apply",)), "JavaScript console errors"
