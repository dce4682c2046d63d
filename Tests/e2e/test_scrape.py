"""Scraping (issue 19): `scrape_configs:` in the server's file, a real `prometheus-node-exporter`
on a free port, and three broken targets — one that hangs, one that answers garbage, one that
answers 404. The good targets are stored with `job`/`instance` and `up 1`; each broken one is
`up 0` with its reason in `/api/v1/targets`, and the others are unaffected. Target labels follow
`honor_labels`; a target that goes away gets Prometheus' stale marker on its series.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time

import pytest
import requests

from conftest import free_port, perfwatch_binary, sigterm_and_wait
from prom_harness import Exporter
from sample_chunks import read_series

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
STALE_MARKER = 0x7FF0000000000002

pytestmark = pytest.mark.skipif(not os.path.exists(NODE_EXPORTER), reason="prometheus-node-exporter not installed")


class HangingTarget:
    """Accepts connections and never answers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.address = f"127.0.0.1:{self.socket.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                connection, _ = self.socket.accept()
                self.held.append(connection)
            except OSError:
                return

    def stop(self) -> None:
        self.closed = True
        for connection in self.held:
            connection.close()
        self.socket.close()


def labelled_exposition(scrape: int) -> str:
    # Labels that collide with the target's: `job` and `instance` set by the exporter itself.
    return f'# TYPE scr_jobs_total counter\nscr_jobs_total{{job="inner",instance="inner:1",queue="q"}} {scrape}\n'


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last: {last}")


def last_by(server, metric: str, tag: str) -> dict[str, float]:
    r = server.query(metric, "last", from_="-1m", to="now", by=tag)
    assert r.status_code == 200, r.text
    return {s["tags"][tag]: s["points"][0][1] for s in r.json()["series"] if s["points"]}


def test_scrape_targets_node_exporter_and_broken_ones(start_server, tmp_path):
    node_port = free_port()
    node = subprocess.Popen(
        [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{node_port}", "--collector.disable-defaults",
         "--collector.cpu", "--collector.meminfo", "--collector.loadavg", "--collector.filesystem"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hanging = HangingTarget()
    garbage = Exporter(lambda _: "this is { not an exposition\n")
    missing = Exporter(lambda _: "", path="/elsewhere")  # /metrics answers 404
    dishonoured = Exporter(labelled_exposition)
    honoured = Exporter(labelled_exposition)
    node_address = f"127.0.0.1:{node_port}"
    config = tmp_path / "perfwatch.yml"
    config.write_text(f"""
scrape_configs:
  - job_name: node
    scrape_interval: 1s
    scrape_timeout: 800ms
    static_configs: [{{targets: ["{node_address}"], labels: {{env: e2e}}}}]
  - job_name: broken
    scrape_interval: 1s
    scrape_timeout: 500ms
    static_configs:
      - targets: ["{hanging.address}", "{garbage.address}", "{missing.address}"]
  - job_name: plain
    scrape_interval: 1s
    static_configs: [{{targets: ["{dishonoured.address}"]}}]
  - job_name: honoured
    scrape_interval: 1s
    honor_labels: true
    static_configs: [{{targets: ["{honoured.address}"]}}]
""")
    try:
        server = start_server(config=config, data_dir=tmp_path / "data")

        def all_scraped():
            r = server.get("/api/v1/targets")
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["status"] == "success"
            targets = {t["labels"]["instance"]: t for t in body["data"]["activeTargets"]}
            done = all(t["health"] != "unknown" for t in targets.values()) and targets[node_address]["health"] == "up"
            return targets if done else None

        targets = wait_for(all_scraped, 30, "every target scraped once and node-exporter up")
        assert len(targets) == 6
        node_target = targets[node_address]
        assert node_target["lastError"] == ""
        assert node_target["labels"] == {"job": "node", "instance": node_address, "env": "e2e"}
        assert node_target["scrapeUrl"] == f"http://{node_address}/metrics"
        assert node_target["scrapePool"] == "node" and node_target["scrapeInterval"] == "1s" and node_target["scrapeTimeout"] == "800ms"
        assert 0 < node_target["lastScrapeDuration"] < 0.8
        assert node_target["lastScrape"].startswith(time.strftime("%Y-", time.gmtime()))
        # Each broken target is down with its reason.
        reasons = {
            hanging.address: ["deadline", "no answer"],
            garbage.address: ["parsing the exposition", "line 1"],
            missing.address: ["404"],
        }
        for address, words in reasons.items():
            target = targets[address]
            assert target["health"] == "down", target
            assert all(word in target["lastError"] for word in words), target
        assert targets[hanging.address]["lastScrapeDuration"] >= 0.45

        # up is 1 for the good ones and 0 for the broken ones; the hanging one keeps failing, the others keep working.
        time.sleep(2.5)
        up = last_by(server, "up", "instance")
        assert up[node_address] == 1 and up[dishonoured.address] == 1 and up[honoured.address] == 1, up
        assert up[hanging.address] == 0 and up[garbage.address] == 0 and up[missing.address] == 0, up
        samples = last_by(server, "scrape_samples_scraped", "instance")
        assert samples[node_address] > 20 and samples[missing.address] == 0, samples
        durations = last_by(server, "scrape_duration_seconds", "instance")
        assert 0.45 <= durations[hanging.address] < 1.0, durations
        # node-exporter's own series, with the target's labels.
        cpu = server.query("node_cpu_seconds_total", "count", from_="-1m", to="now", by="job,instance,env,mode")
        assert cpu.status_code == 200
        modes = {(s["tags"]["job"], s["tags"]["instance"], s["tags"]["env"], s["tags"]["mode"]) for s in cpu.json()["series"]}
        assert ("node", node_address, "e2e", "idle") in modes, modes
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
        # honor_labels: false keeps the exporter's job/instance as exported_*; true keeps them as they are.
        plain = server.query("scr_jobs_total", "last", from_="-1m", to="now", by="job,instance,exported_job,exported_instance")
        series = {tuple(sorted(s["tags"].items())) for s in plain.json()["series"]}
        assert (("exported_instance", "inner:1"), ("exported_job", "inner"), ("instance", dishonoured.address), ("job", "plain")) in series, series
        assert (("exported_instance", ""), ("exported_job", ""), ("instance", "inner:1"), ("job", "inner")) in series, series
        # The plain exporter goes away: its series get the stale marker at the next scrape.
        dishonoured.stop()
        time.sleep(2.5)
        server.stop()
        stored = read_series(server.data_dir, "scr_jobs_total")
        gone = stored[(("exported_instance", "inner:1"), ("exported_job", "inner"), ("instance", dishonoured.address), ("job", "plain"), ("queue", "q"))]
        stale_at = [t for t, bits in gone if bits == STALE_MARKER]
        assert len(stale_at) == 1 and stale_at[0] == gone[-1][0], [(t, hex(b)) for t, b in gone[-5:]]
        kept = stored[(("instance", "inner:1"), ("job", "inner"), ("queue", "q"))]
        assert all(bits != STALE_MARKER for _, bits in kept)
    finally:
        sigterm_and_wait(node, 10)
        hanging.stop()
        for exporter in (garbage, missing, honoured):
            exporter.stop()


@pytest.mark.parametrize("body,problem", [
    ("scrape_configs:\n  - job_name: a\n    scrape_interval: 1s\n    scrape_timeout: 2s\n    static_configs: []\n",
     ":4: scrape_configs[0].scrape_timeout: scrape timeout greater than scrape interval"),
    ("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [\"http://h:1/x\"]\n",
     ":4: scrape_configs[0].static_configs[0].targets: target \"http://h:1/x\" must be host:port"),
])
def test_bad_scrape_config_exits_2_naming_line_and_field(tmp_path, body, problem):
    config = tmp_path / "perfwatch.yml"
    config.write_text(body)
    result = subprocess.run(
        [str(perfwatch_binary()), "serve", "--config", str(config), "--data", str(tmp_path / "d"), "--port", str(free_port())],
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{config}{problem}" in result.stderr, result.stderr
