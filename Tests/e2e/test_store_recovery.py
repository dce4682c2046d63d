"""A damaged store at start (issue 13): `serve` stops at once with a message naming the
recovery commands and exit status 3; `perfwatch store check|repair` bring it back."""

from __future__ import annotations

import os
import subprocess

from conftest import now_ms, perfwatch_binary


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(perfwatch_binary()), *args], capture_output=True, text=True, timeout=60)


def test_damaged_store_stops_start_with_a_way_back(start_server, tmp_path):
    data_dir = tmp_path / "data"
    srv = start_server(data_dir)
    points = [{"name": f"kept.{i}", "kind": "gauge", "value": i, "time": now_ms()} for i in range(20)]
    assert srv.post_metrics(points).status_code == 200
    srv.stop()

    assert run("store", "check", "--data", str(data_dir)).returncode == 0
    with open(data_dir / "perfwatch.sqlite", "r+b") as f:
        f.write(b"\xa5" * 100)  # the SQLite header: "file is not a database"

    broken = start_server(data_dir, wait=False)
    status = broken.wait_exit(timeout=20)
    assert status == 3, f"exit status {status}: {broken.output()}"
    out = broken.output()
    assert "damaged" in out and f"perfwatch store repair --data {data_dir}" in out, out

    check = run("store", "check", "--data", str(data_dir))
    assert check.returncode == 1 and "damaged" in check.stdout, check.stdout + check.stderr
    repair = run("store", "repair", "--data", str(data_dir))
    assert repair.returncode == 0, repair.stdout + repair.stderr
    kept = [name for name in os.listdir(data_dir) if name.startswith("damaged-")]
    assert kept and os.path.exists(data_dir / kept[0] / "perfwatch.sqlite")

    again = start_server(data_dir)
    assert again.get("/healthz").status_code == 200
    assert again.post_metrics([{"name": "after.repair", "kind": "gauge", "value": 1}]).status_code == 200


def test_repair_of_a_healthy_store_keeps_every_series(start_server, tmp_path):
    data_dir = tmp_path / "data"
    srv = start_server(data_dir)
    points = [{"name": "kept.gauge", "kind": "gauge", "value": i, "tags": {"host": f"h{i}"}} for i in range(30)]
    assert srv.post_metrics(points).status_code == 200
    srv.stop()
    repair = run("store", "repair", "--data", str(data_dir))
    assert repair.returncode == 0 and "every row was readable" in repair.stdout, repair.stdout + repair.stderr
    again = start_server(data_dir)
    result = again.query("kept.gauge", "count", by="host", **{"from": "-1h"}).json()
    assert len(result["series"]) == 30


def test_store_commands_refuse_a_running_server(start_server, tmp_path):
    data_dir = tmp_path / "data"
    start_server(data_dir)
    check = run("store", "check", "--data", str(data_dir))
    assert check.returncode != 0 and "locked" in (check.stdout + check.stderr)
