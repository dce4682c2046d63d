"""Keys and scopes against the real binary: the reproduced bypasses (doubled slashes, writes
with a read key, a key of one space on 0.0.0.0), `perfwatch keys create|list|revoke`, and the
dashboard's login in Chromium (docs/api-auth.md)."""

from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
import time
from typing import Iterator

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from conftest import Server, free_port, now_ms, perfwatch_binary
from test_dashboard import wait_for

INGEST = "e2e-ingest-key-0123456789"
READ = "e2e-read-key-0123456789ab"
ADMIN = "e2e-admin-key-0123456789a"
METRIC = "e2e.auth.request.duration"


@contextlib.contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """Headless Chromium set up as test_dashboard.py's `driver` fixture, one per test (cookies
    must not leak between logins)."""
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


def keys_config(tmp_path) -> str:
    path = tmp_path / "auth.yml"
    path.write_text(
        "auth:\n  keys:\n"
        f"    - {{key: {INGEST}, scopes: [ingest]}}\n"
        f"    - {{key: {READ}, scopes: [read]}}\n"
        f"    - {{key: {ADMIN}, scopes: [admin]}}\n"
    )
    return str(path)


def raw(srv: Server, method: str, path: str, key: str | None, body: bytes = b"{}") -> tuple[int, str]:
    """One request with the path sent exactly as written (no client-side normalization)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode(errors="replace")
    conn.close()
    return resp.status, text


@pytest.fixture
def keyed(start_server, tmp_path):
    return start_server(config=keys_config(tmp_path), data_dir=tmp_path / "d")


def test_read_key_cannot_ingest_through_doubled_slashes(keyed):
    body = json.dumps({"metrics": [{"name": METRIC, "kind": "timing", "value": 5}]}).encode()
    for path in ("//api/v1/metrics", "/api/v1//metrics", "//v1/traces", "//api/v1/import/prometheus", "//api/v1/load-runs"):
        status, text = raw(keyed, "POST", path, READ, body)
        assert status == 403, f"POST {path} with a read key: {status} {text}"
        assert json.loads(text)["error"]["code"] == "forbidden"
    # Nothing was stored through any of them.
    got = keyed.http.get(keyed.url + "/api/v1/query", params={"metric": METRIC, "stat": "count", "from": "-10m"},
                         headers={"X-API-Key": READ}, timeout=10)
    assert got.status_code == 200 and not got.json().get("series"), got.text
    status, _ = raw(keyed, "POST", "//api/v1/metrics", INGEST, body)
    assert status == 200
    assert keyed.proc.poll() is None


def test_read_key_cannot_change_anything(keyed):
    writes = [
        ("POST", "/api/v1/alert-rules"), ("PUT", "/api/v1/alert-rules/x"), ("DELETE", "/api/v1/alert-rules/x"),
        ("POST", "/api/v1/silences"), ("POST", "/api/v1/rules/reload"), ("POST", "/api/v1/analysis/run"),
        ("POST", "/api/v1/deployments"), ("POST", "/api/v1/optimizations"), ("PATCH", "/api/v1/issues/1"),
    ]
    rule = json.dumps({"name": "x", "query": {"metric": "m", "stat": "p95"}, "condition": "> 1"}).encode()
    for method, path in writes:
        status, text = raw(keyed, method, path, READ, rule)
        assert status == 403, f"{method} {path} with a read key: {status} {text}"
    # An admin key gets past auth (the handler then judges the body).
    status, text = raw(keyed, "POST", "/api/v1/rules/reload", ADMIN)
    assert status not in (401, 403), text


def test_single_space_key_refused_on_every_address(tmp_path):
    cfg = tmp_path / "space.yml"
    cfg.write_text('auth:\n  keys: [{key: " ", scopes: [read, ingest, admin]}]\n')
    port = free_port()
    out = subprocess.run(
        [str(perfwatch_binary()), "serve", "--host", "0.0.0.0", "--port", str(port), "--config", str(cfg),
         "--data", str(tmp_path / "d")],
        capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "space.yml:2: auth.keys[0].key: must not contain whitespace" in out.stderr + out.stdout
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def keys_cli(data_dir, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(perfwatch_binary()), "keys", *args, "--data", str(data_dir)],
                          capture_output=True, text=True, timeout=30)


def test_keys_create_list_revoke(start_server, tmp_path):
    data = tmp_path / "d"
    made = keys_cli(data, "create", "--scope", "ingest", "--name", "checkout")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("pwk_") and len(key) == 44
    viewer = keys_cli(data, "create", "--scope", "read", "--name", "viewer").stdout.strip()
    assert keys_cli(data, "create", "--scope", "root").returncode != 0
    assert key not in (data / "api-keys.json").read_text()

    listed = keys_cli(data, "list")
    assert listed.returncode == 0
    assert "checkout" in listed.stdout and "ingest" in listed.stdout and key[:12] in listed.stdout
    assert key not in listed.stdout and viewer not in listed.stdout

    # Stored keys turn auth on, and let the server listen beyond loopback.
    srv = start_server(data_dir=data, extra_args=["--host", "0.0.0.0"])
    body = {"metrics": [{"name": METRIC, "kind": "timing", "value": 7}]}
    assert srv.http.post(srv.url + "/api/v1/metrics", json=body, timeout=10).status_code == 401
    assert srv.http.post(srv.url + "/api/v1/metrics", json=body, headers={"Authorization": f"Bearer {key}"},
                         timeout=10).status_code == 200
    assert srv.http.get(srv.url + "/api/v1/metrics", headers={"X-API-Key": viewer}, timeout=10).status_code == 200

    # Revoked while running: refused within a second or two, no restart.
    revoked = keys_cli(data, "revoke", "checkout")
    assert revoked.returncode == 0 and "checkout" in revoked.stdout
    deadline = time.monotonic() + 5
    while True:
        r = srv.http.post(srv.url + "/api/v1/metrics", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        if r.status_code == 401 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 401 and r.json()["error"]["message"] == "unknown API key"
    assert keys_cli(data, "revoke", "checkout").returncode != 0
    # A key created while it runs works without a restart.
    later = keys_cli(data, "create", "--scope", "ingest").stdout.strip()
    deadline = time.monotonic() + 5
    while True:
        r = srv.http.post(srv.url + "/api/v1/metrics", json=body, headers={"X-API-Key": later}, timeout=10)
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 200, r.text


def test_dashboard_login_sees_data_and_logs_out(start_server, tmp_path):
    srv = start_server(config=keys_config(tmp_path), data_dir=tmp_path / "d")
    now = now_ms()
    metrics = [{"name": METRIC, "kind": "timing", "value": 10.0 + i, "time": now - 60_000 + i * 1000, "tags": {"route": "/login-test"}}
               for i in range(30)]
    r = srv.http.post(srv.url + "/api/v1/metrics", json={"metrics": metrics}, headers={"X-API-Key": INGEST}, timeout=10)
    assert r.status_code == 200, r.text

    with chromium() as driver:
        driver.get(f"{srv.url}/#/explore?metric={METRIC}&stat=p95&range=15m")
        wait_for(lambda: driver.find_element(By.ID, "login").is_displayed(), 15, "the login form")
        driver.find_element(By.ID, "login-key").send_keys("wrong-key-wrong-key-1")
        driver.find_element(By.ID, "login-submit").click()
        wait_for(lambda: "unknown API key" in driver.find_element(By.ID, "login-error").text, 10, "the login error")

        driver.find_element(By.ID, "login-key").send_keys(READ)
        driver.find_element(By.ID, "login-submit").click()
        wait_for(lambda: driver.find_element(By.ID, "session-box").is_displayed(), 15, "the signed-in box")
        assert not driver.find_element(By.ID, "login").is_displayed()
        assert driver.find_element(By.ID, "session-scopes").text == "read"
        count = wait_for(lambda: driver.execute_script(
            "const s = document.querySelector('#explore-chart svg');"
            "return s ? parseInt(s.getAttribute('data-point-count') || '0', 10) : 0;"), 20, "chart points")
        assert count > 0
        cookies = {c["name"]: c for c in driver.get_cookies()}
        session = cookies["perfwatch_session"]
        assert session["httpOnly"] is True and session.get("sameSite") == "Strict"
        assert driver.execute_script("return document.cookie") == ""
        live = wait_for(lambda: driver.find_element(By.ID, "live-indicator").get_attribute("data-state") == "live", 15,
                        "the live event stream over the session")
        assert live

        # The session carries the read key's scopes: a write from the page (which adds the CSRF
        # token itself) is still refused.
        status = driver.execute_script(
            "return fetch('/api/v1/rules/reload', {method: 'POST'}).then(r => r.status);")
        assert status == 403

        driver.find_element(By.ID, "logout").click()
        wait_for(lambda: driver.find_element(By.ID, "login").is_displayed(), 15, "the login form after logout")
        assert requests.get(srv.url + "/api/v1/overview", cookies={"perfwatch_session": session["value"]},
                            timeout=10).status_code == 401


def test_dashboard_admin_session_writes_carry_the_csrf_token(start_server, tmp_path):
    """The page's own writes (alert silences here) work through the session: auth.js adds the
    token; the same write replayed with the cookie alone, as another site could, is refused."""
    srv = start_server(config=keys_config(tmp_path), data_dir=tmp_path / "d")
    with chromium() as driver:
        driver.get(f"{srv.url}/#/alerts")
        wait_for(lambda: driver.find_element(By.ID, "login").is_displayed(), 15, "the login form")
        driver.find_element(By.ID, "login-key").send_keys(ADMIN)
        driver.find_element(By.ID, "login-submit").click()
        wait_for(lambda: driver.find_element(By.ID, "session-box").is_displayed(), 15, "the signed-in box")
        silence = {"matchers": ["service=e2e-auth"], "duration": "1h", "createdBy": "e2e", "comment": "csrf test"}
        status = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch('/api/v1/silences', {method: 'POST', headers: {'Content-Type': 'application/json'},"
            " body: JSON.stringify(arguments[0])}).then(r => done(r.status), e => done(String(e)));", silence)
        assert status in (200, 201), status
        session = {c["name"]: c["value"] for c in driver.get_cookies()}["perfwatch_session"]
    replay = requests.post(srv.url + "/api/v1/silences", json=silence, cookies={"perfwatch_session": session}, timeout=10)
    assert replay.status_code == 403 and "X-Perfwatch-CSRF" in replay.json()["error"]["message"], replay.text
    listed = requests.get(srv.url + "/api/v1/silences", headers={"X-API-Key": READ}, timeout=10).json()
    assert "csrf test" in json.dumps(listed)


def test_dashboard_failed_write_shows_the_error_banner_not_a_dialog(start_server, tmp_path):
    """A write the session may not make fails into the error banner with the server's reason, and
    no dialog opens: "Applied now" of a planned optimization (which used window.alert) and "Reload
    rules", both with a read key's session (403)."""
    srv = start_server(config=keys_config(tmp_path), data_dir=tmp_path / "d")
    planned = requests.post(srv.url + "/api/v1/optimizations", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10,
                            json={"type": "cache", "description": "cache report totals", "route": "/reports"})
    assert planned.status_code in (200, 201), planned.text
    oid = planned.json()["id"]
    with chromium() as driver:
        driver.get(f"{srv.url}/#/optimizations/{oid}")
        wait_for(lambda: driver.find_element(By.ID, "login").is_displayed(), 15, "the login form")
        driver.find_element(By.ID, "login-key").send_keys(READ)
        driver.find_element(By.ID, "login-submit").click()
        apply = wait_for(lambda: driver.find_elements(By.ID, "opt-apply"), 15, "the Applied now button")[0]
        driver.execute_script(
            "window.__pwDialogs = 0;"
            "['alert', 'confirm', 'prompt'].forEach(n => { window[n] = () => { window.__pwDialogs += 1; }; });")
        banner = driver.find_element(By.ID, "error-banner")
        assert not banner.is_displayed()
        apply.click()
        wait_for(lambda: banner.is_displayed() and "Could not apply" in banner.text, 10, "the banner after Applied now")
        assert "HTTP 403" in banner.text, banner.text

        driver.execute_script("location.hash = '#/alerts?tab=rules'")
        reload = wait_for(lambda: [b for b in driver.find_elements(By.ID, "alerts-reload") if b.is_displayed()], 10,
                          "the Reload rules button")[0]
        reload.click()
        wait_for(lambda: banner.is_displayed() and "Reload rules" in banner.text, 10, "the banner after Reload rules")
        assert "HTTP 403" in banner.text, banner.text
        assert driver.execute_script("return window.__pwDialogs") == 0, "a dialog opened"
    assert requests.get(f"{srv.url}/api/v1/optimizations/{oid}", headers={"Authorization": f"Bearer {ADMIN}"},
                        timeout=10).json()["appliedAt"] is None
