"""`perfwatch load` against a running server, pushing its runs there: stored, listed, read
back and compared; bad input to the load-runs API and to the command line."""

from __future__ import annotations

import json
import subprocess

from conftest import perfwatch_binary


def run_load(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(perfwatch_binary()), "load", *args], capture_output=True, text=True, timeout=timeout)


def test_runs_are_pushed_listed_and_compared(server, tmp_path):
    report_path = tmp_path / "run.json"
    first = run_load("--url", server.url + "/healthz", "--rate", "40/s", "--duration", "2s", "--name", "health",
                     "--server", server.url, "--out", str(report_path))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "p95" in first.stdout
    report = json.loads(report_path.read_text())
    assert report["total"]["count"] == 80 and report["total"]["errors"] == 0
    second = run_load("--url", server.url + "/healthz", "--rate", "40/s", "--duration", "2s", "--name", "health",
                      "--server", server.url)
    assert second.returncode == 0, second.stdout + second.stderr

    runs = server.get("/api/v1/load-runs").json()["runs"]
    assert [r["name"] for r in runs] == ["health", "health"] and all(r["requests"] == 80 for r in runs)
    newest, oldest = runs[0]["id"], runs[1]["id"]
    stored = server.get(f"/api/v1/load-runs/{oldest}").json()["report"]
    assert stored["startMs"] == report["startMs"] and stored["requests"][0]["count"] == 80
    compared = server.get("/api/v1/load-runs/compare", a=oldest, b=newest).json()
    names = [r["name"] for r in compared["requests"]]
    assert "all" in names
    entry = compared["requests"][0]["comparison"]
    assert entry["baselineCount"] == 80 and entry["candidateCount"] == 80
    assert [p["percentile"] for p in entry["percentiles"]] == [50, 95, 99]
    assert all(isinstance(p["significant"], bool) for p in entry["percentiles"])


def test_bad_load_runs_and_bad_commands(start_server):
    server = start_server()
    bad_json = server.post("/api/v1/load-runs", data="{nope", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and "JSON object" in bad_json.json()["error"]["message"]
    missing = server.post("/api/v1/load-runs", data=json.dumps({"name": "x", "startMs": 1, "endMs": 2}))
    assert missing.status_code == 400 and "'requests'" in missing.json()["error"]["message"]
    backwards = server.post("/api/v1/load-runs", data=json.dumps({"name": "x", "startMs": 5, "endMs": 2, "requests": []}))
    assert backwards.status_code == 400 and "before" in backwards.json()["error"]["message"]
    assert server.get("/api/v1/load-runs/999").status_code == 404
    assert server.get("/api/v1/load-runs/abc").status_code == 400
    assert server.get("/api/v1/load-runs/compare", a=1).status_code == 400
    assert server.get("/api/v1/load-runs").json()["runs"] == []

    rate = run_load("--url", server.url + "/healthz", "--rate", "fast", "--duration", "1s")
    assert rate.returncode == 2 and "rate" in (rate.stdout + rate.stderr)
    unreachable = run_load("--url", "http://127.0.0.1:1/", "--rate", "10/s", "--duration", "5s", timeout=10)
    assert unreachable.returncode == 2 and "127.0.0.1:1" in (unreachable.stdout + unreachable.stderr)
    assert server.get("/healthz").status_code == 200
