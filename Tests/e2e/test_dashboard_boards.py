"""Saved dashboards (issue 15), through the UI in Chromium: from Explore a query is added to a new board as a line
chart and to the same board as a single value; the board shows both panels over its range, survives a reload, loses
a removed panel; its export is JSON that the Dashboards page imports as a second board; a bad import is refused in
the banner, the boards stay.

Element ids/classes (dashboard/index.html, page-explore.js, page-dashboards.js, page-board.js): #explore-board,
#explore-board-name, #explore-chart-type, #explore-add, #explore-added-link, #nav-dashboards, #boards-table
tr.board-row[data-id], #boards-import-text, #boards-import, #board-title, #board-panels .board-panel[data-chart]
(.board-remove, .board-value, svg), #board-export, #board-json.
"""

from __future__ import annotations

import json

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import now_ms
from test_dashboard import METRIC, click, driver, severe_console_errors, shown, timing, wait_for  # noqa: F401


def boards(server) -> list[dict]:
    return requests.get(f"{server.url}/api/v1/dashboards", timeout=10).json()["dashboards"]


def panels(driver) -> list[str]:
    return driver.execute_script("return [...document.querySelectorAll('#board-panels .board-panel')].map(p => p.dataset.chart)")


def test_build_a_board_in_the_ui_reload_export_and_import(start_server, driver):
    server = start_server()
    now = now_ms()
    assert server.post_metrics([timing(route, value + i, now - i * 15_000)
                                for i in range(20) for route, value in (("/a", 30.0), ("/b", 120.0))]).status_code == 200

    # Explore: the p95 by route, added to a new board as a line chart.
    driver.get(f"{server.url}/#/explore?metric={METRIC}&stat=p95&by=route&range=15m")
    wait_for(lambda: driver.execute_script("return document.querySelectorAll('#explore-chart svg path').length") > 0, 15, "the chart")
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#explore-board option"), 10, "the board choice")
    driver.find_element(By.ID, "explore-board-name").send_keys("Checkout board")
    Select(driver.find_element(By.ID, "explore-chart-type")).select_by_value("line")
    click(driver, "#explore-add", "Add this chart")
    link = wait_for(lambda: driver.find_element(By.ID, "explore-added-link").get_attribute("href"), 10, "the added link")
    board_id = link.rsplit("/", 1)[1]
    # The same query as a single value, on the board just made.
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f'#explore-board option[value="{board_id}"]'), 10, "the new board in the list")
    Select(driver.find_element(By.ID, "explore-board")).select_by_value(board_id)
    assert not shown(driver, "#explore-board-name")
    Select(driver.find_element(By.ID, "explore-chart-type")).select_by_value("value")
    click(driver, "#explore-add", "Add this chart again")
    wait_for(lambda: [b["panels"] for b in boards(server)] == [2], 10, "two panels on the board")

    # The board: both panels drawn over its range; a reload keeps them.
    click(driver, "#explore-added-link", "the board link")
    wait_for(lambda: panels(driver) == ["line", "value"], 15, "the two panels")
    assert driver.find_element(By.ID, "board-title").text == "Checkout board"
    for _ in range(2):
        wait_for(lambda: driver.execute_script(
            "return document.querySelectorAll('#board-panels .board-panel[data-chart=line] svg path').length") > 0, 15, "the line chart")
        value = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, ".board-panel[data-chart=value] .board-value").text, 15, "the value")
        assert "ms" in value and "route=/b" in value, value  # the highest p95 of the two routes, named
        driver.refresh()
        wait_for(lambda: panels(driver) == ["line", "value"], 15, "the panels after a reload")
    assert "range=15m" in driver.current_url
    assert driver.find_element(By.CSS_SELECTOR, "#nav-dashboards").get_attribute("class").count("active") == 1

    # The line chart takes the whole row, stored at once.
    click(driver, ".board-panel[data-chart=line] .board-width", "Wide")
    wait_for(lambda: "w2" in driver.find_element(By.CSS_SELECTOR, ".board-panel[data-chart=line]").get_attribute("class"), 10, "a wide panel")
    assert [p["width"] for p in requests.get(f"{server.url}/api/v1/dashboards/{board_id}", timeout=10).json()["panels"]] == [2, 1]

    # Remove the value panel: stored at once.
    click(driver, ".board-panel[data-chart=value] .board-remove", "Remove")
    wait_for(lambda: panels(driver) == ["line"], 10, "one panel left")
    assert [b["panels"] for b in boards(server)] == [1]

    # Export, then import it as a second board from the Dashboards page.
    click(driver, "#board-export", "Export JSON")
    exported = json.loads(wait_for(lambda: driver.find_element(By.ID, "board-json").text, 10, "the exported JSON"))
    assert exported["name"] == "Checkout board" and exported["range"] == "15m" and len(exported["panels"]) == 1, exported
    assert exported["panels"][0]["metric"] == METRIC and exported["panels"][0]["by"] == ["route"]
    exported["name"] = "Imported board"
    click(driver, "#nav-dashboards", "the Dashboards nav link")
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#boards-table tr.board-row"), 10, "the board list")
    box = driver.find_element(By.ID, "boards-import-text")
    box.send_keys("not json")
    click(driver, "#boards-import", "Import (bad)")
    banner = wait_for(lambda: driver.find_element(By.ID, "error-banner").is_displayed() and driver.find_element(By.ID, "error-banner").text,
                      10, "the refusal")
    assert "not JSON" in banner, banner
    box.clear()
    driver.execute_script("arguments[0].value = arguments[1]", box, json.dumps(exported))
    click(driver, "#boards-import", "Import")
    wait_for(lambda: driver.find_element(By.ID, "board-title").text == "Imported board", 10, "the imported board")
    wait_for(lambda: panels(driver) == ["line"], 10, "its panel")
    assert sorted(b["name"] for b in boards(server)) == ["Checkout board", "Imported board"]

    # From another page's chart: a route's latency chart opens its query in Explore, which adds it to a board.
    driver.get(f"{server.url}/#/route?service=&route=/a&range=15m")
    link = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "a.chart-to-board").get_attribute("href"), 15, "Add to dashboard on the route chart")
    assert "metric=http.server.duration" in link and "where=route=/a" in link, link
    click(driver, "a.chart-to-board", "Add to dashboard →")
    wait_for(lambda: "where=route=/a" in driver.current_url and driver.find_elements(By.CSS_SELECTOR, f'#explore-board option[value="{board_id}"]'),
             15, "Explore with the route's query")
    Select(driver.find_element(By.ID, "explore-board")).select_by_value(board_id)
    click(driver, "#explore-add", "Add this chart")
    wait_for(lambda: len(requests.get(f"{server.url}/api/v1/dashboards/{board_id}", timeout=10).json()["panels"]) == 2, 10, "the route's panel")
    added = requests.get(f"{server.url}/api/v1/dashboards/{board_id}", timeout=10).json()["panels"][1]
    assert added["metric"] == "http.server.duration" and added["where"] == ["route=/a"], added
    assert not severe_console_errors(driver), "JavaScript console errors"


def test_dashboards_api_refuses_bad_input_and_keeps_what_it_has(start_server):
    server = start_server()
    url = f"{server.url}/api/v1/dashboards"
    made = requests.post(url, json={"name": "Kept", "panels": [{"metric": "m", "chart": "table"}]}, timeout=10)
    assert made.status_code == 201, made.text
    board = made.json()
    cases = [
        ("POST", url, {"name": "x", "panels": [{"metric": "m", "chart": "pie"}]}, 400, "dashboard.panels[0].chart: one of line, bar, value, table"),
        ("POST", url, {"panels": []}, 400, "dashboard.name: required field is missing"),
        ("POST", url, {"name": "x", "panels": [{"metric": "m", "where": ["route"]}]}, 400, "is not TAG=VALUE"),
        ("PUT", f"{url}/999", {"name": "x"}, 404, "no dashboard 999"),
        ("GET", f"{url}/abc", None, 400, "dashboard id 'abc' is not a positive integer"),
        ("DELETE", f"{url}/999", None, 404, "no dashboard 999"),
        ("PATCH", f"{url}/{board['id']}", {"name": "x"}, 405, ""),
    ]
    for method, target, body, status, message in cases:
        answer = requests.request(method, target, json=body, timeout=10)
        assert answer.status_code == status and message in answer.text, (method, target, answer.status_code, answer.text)
    too_big = requests.post(url, data=b'{"name":"' + b"x" * 300_000 + b'"}', timeout=10)
    assert too_big.status_code == 413, too_big.text
    assert requests.get(f"{url}/{board['id']}", timeout=10).json() == board, "what was stored is untouched"
    replaced = requests.put(f"{url}/{board['id']}", json={"name": "Renamed", "range": "6h"}, timeout=10)
    assert replaced.status_code == 200 and replaced.json()["name"] == "Renamed" and replaced.json()["panels"] == []
    assert requests.delete(f"{url}/{board['id']}", timeout=10).status_code == 204
    assert requests.get(url, timeout=10).json() == {"dashboards": []}
