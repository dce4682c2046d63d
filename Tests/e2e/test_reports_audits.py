"""Lab audits on the server end to end (issue 20, docs/audits.md): sample AuditReport JSON (the format
`perfwatch audit --json` writes) posted to /api/v1/audits is served back as sent, listed per URL newest
first, and shown on the Audits page (history, lab beside field figures, filmstrip, waterfall,
opportunities) in headless Chromium; bad audit JSON is a 400 naming the field.

Element ids/classes used (keep in sync with dashboard/index.html and dashboard/page-audits.js):
  #nav-audits, #audits-url, #audits-score, #audits-table tr.audit-row[data-audit-id] td.audit-score,
  .audits-metric[data-metric] .audits-field, #audit-title, #audit-score, .audit-frame img,
  .audit-waterfall tr.wf-row[data-render-blocking], .audit-opportunity[data-id], #nav-uptime, #uptime-table."""

from __future__ import annotations

import copy
import json

from selenium.webdriver.common.by import By

from conftest import now_ms
from test_dashboard import driver, severe_console_errors, wait_for  # noqa: F401

URL = "https://shop.example/checkout"
# A 4x4 JPEG (what Chromium's screencast frames are, only smaller).
JPEG = ("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//"
        "2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAAEAAQDASIAAhEBAxEB/8QAFQAB"
        "AQAAAAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABQb/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIR"
        "AxEAPwCaAohj/9k=")


def sample(score: int, started: int, lcp: float) -> dict:
    metrics = {"fcpMs": 1100.0, "lcpMs": lcp, "speedIndexMs": 2000.0, "tbtMs": 180.0, "cls": 0.04, "ttfbMs": 250.0}
    requests = [
        {"url": URL, "type": "document", "startMs": 0.0, "endMs": 260.0, "transferBytes": 8200.0, "status": 200, "renderBlocking": False},
        {"url": "https://shop.example/app.css", "type": "stylesheet", "startMs": 280.0, "endMs": 520.0, "transferBytes": 31000.0, "status": 200,
         "renderBlocking": True},
        {"url": "https://shop.example/hero.jpg", "type": "image", "startMs": 300.0, "endMs": 1900.0, "transferBytes": 410000.0, "status": 200,
         "renderBlocking": False},
    ]
    opportunities = [{"id": "render-blocking-resources", "title": "Eliminate render-blocking resources", "savingsMs": 240.0,
                      "items": [{"url": "https://shop.example/app.css", "wastedMs": 240.0, "detail": "stylesheet in <head>"}]}]
    summary = {"document": {"requests": 1, "transferBytes": 8200.0}, "total": {"requests": 3, "transferBytes": 449200.0}}
    filmstrip = [{"timeMs": 500.0, "jpegBase64": JPEG}, {"timeMs": 1100.0, "jpegBase64": JPEG}, {"timeMs": lcp, "jpegBase64": JPEG}]
    lcp_element = {"selector": "img#hero", "url": "https://shop.example/hero.jpg", "loadDelayMs": 40.0, "loadDurationMs": 1600.0, "renderDelayMs": 10.0}
    run = {"score": score, "metrics": metrics, "opportunities": opportunities, "resourceSummary": summary, "requests": requests,
           "filmstrip": filmstrip, "lcpElement": lcp_element, "longTasks": [], "warnings": [], "finalURL": URL,
           "startedMs": float(started), "durationMs": 6000.0}
    return {"url": URL, "finalURL": URL, "device": "mobile", "runs": [run], "medianRunIndex": 0, "score": score, "metrics": metrics,
            "opportunities": opportunities, "resourceSummary": summary, "requests": requests, "filmstrip": filmstrip,
            "lcpElement": lcp_element, "longTasks": [{"script": "https://shop.example/app.js", "startMs": 900.0, "durationMs": 120.0}],
            "warnings": [], "startedMs": float(started), "durationMs": 6000.0, "chromiumVersion": "131.0.6778.85"}


def post(server, body) -> object:
    return server.post("/api/v1/audits", data=body if isinstance(body, str) else json.dumps(body), headers={"Content-Type": "application/json"})


def test_audits_api_and_page(start_server, driver):  # noqa: F811
    server = start_server()
    now = now_ms()
    older, newer = sample(58, now - 86_400_000, 3900.0), sample(83, now - 60_000, 2300.0)
    sent = json.dumps(older, sort_keys=True)
    first = post(server, sent)
    assert first.status_code == 201, first.text
    assert post(server, newer).status_code == 201
    assert server.get(f"/api/v1/audits/{first.json()['id']}").text == sent, "served exactly as posted"
    # Field figures of the same page from RUM, beside the lab ones.
    listing = server.get("/api/v1/audits", url=URL).json()
    assert [a["score"] for a in listing["audits"]] == [83, 58] and listing["field"]["page"] == "/checkout", listing
    assert listing["urls"] == [{"url": URL, "audits": 2}]

    # Bad JSON: 400 naming the field; nothing stored; the server stays up.
    bad_score = copy.deepcopy(newer)
    bad_score["score"] = 101
    missing = copy.deepcopy(newer)
    del missing["metrics"]
    wrong_type = copy.deepcopy(newer)
    wrong_type["runs"][0]["metrics"]["cls"] = "low"
    for body, expected in [(bad_score, "'score' must be from 0 to 100"), (missing, "'metrics' is required"),
                           (wrong_type, "'runs[0].metrics.cls'"), ("{\"url\": ", "body must be a JSON object")]:
        r = post(server, body)
        assert r.status_code == 400 and expected in r.json()["error"]["message"], (expected, r.text)
    assert len(server.get("/api/v1/audits").json()["audits"]) == 2

    driver.get_log("browser")
    try:
        driver.get(server.url + "/#/audits")
        wait_for(lambda: driver.find_element(By.ID, "audits-score").text == "83", 20, "the latest score on the Audits page")
        rows = driver.find_elements(By.CSS_SELECTOR, "#audits-table tr.audit-row")
        assert [r.find_element(By.CSS_SELECTOR, "td.audit-score").text for r in rows] == ["83", "58"]
        lcp = driver.find_element(By.CSS_SELECTOR, '.audits-metric[data-metric="lcpMs"]')
        assert "field p75 LCP" in lcp.find_element(By.CSS_SELECTOR, ".audits-field").text
        assert driver.find_element(By.CSS_SELECTOR, "#audits-score-chart svg").get_attribute("data-point-count") == "2"
        rows[1].find_element(By.CSS_SELECTOR, "a").click()
        wait_for(lambda: driver.find_element(By.ID, "audit-score").text == "58", 20, "the older audit's page")
        assert URL in driver.find_element(By.ID, "audit-title").text
        assert len(driver.find_elements(By.CSS_SELECTOR, ".audit-frame img")) == 3
        assert len(driver.find_elements(By.CSS_SELECTOR, ".audit-waterfall tr.wf-row")) == 3
        assert len(driver.find_elements(By.CSS_SELECTOR, ".audit-waterfall tr.wf-row[data-render-blocking]")) == 1
        assert driver.find_element(By.CSS_SELECTOR, '.audit-opportunity[data-id="render-blocking-resources"]')
        driver.find_element(By.ID, "nav-uptime").click()
        wait_for(lambda: "No checks" in driver.find_element(By.ID, "uptime-table").text, 20, "the empty Uptime page")
        assert severe_console_errors(driver) == []
    finally:
        driver.get("about:blank")
