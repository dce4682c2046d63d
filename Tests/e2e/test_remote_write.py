"""Prometheus remote write from a real client (issue 19): a private Prometheus 2.42 scrapes a small
exporter every second and `remote_write`s to Perfwatch's `/api/v1/write`. Every sample Prometheus
answers for the exporter's series (its own `/api/v1/query`, range selectors: the raw samples) must
be in Perfwatch's store with the same time and the same value bits — the NaN gauge as Go's NaN —
and, after the exporter goes away, Prometheus' stale markers must arrive too. Raw reads decode
Perfwatch's chunks (sample_chunks.py), because the legacy query API skips non-finite values.
"""

from __future__ import annotations

import math
import struct
import time

import pytest
import requests

from prom_harness import PROMETHEUS_BIN, Exporter, Prometheus
from sample_chunks import bits_to_float, read_series

STALE_MARKER = 0x7FF0000000000002
GO_NAN = 0x7FF8000000000001  # math.NaN() in Go: what Prometheus parses "NaN" into

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(PROMETHEUS_BIN), reason="prometheus 2.42 not installed")


def exposition(scrape: int) -> str:
    return "\n".join([
        "# HELP rwe_requests_total Requests.",
        "# TYPE rwe_requests_total counter",
        f'rwe_requests_total{{code="200"}} {10 * scrape}',
        f'rwe_requests_total{{code="500"}} {scrape // 3}',
        "# TYPE rwe_temperature gauge",
        f"rwe_temperature {20 + scrape * 0.25}",
        "# TYPE rwe_latency_seconds histogram",
        f'rwe_latency_seconds_bucket{{le="0.1"}} {scrape}',
        f'rwe_latency_seconds_bucket{{le="0.5"}} {2 * scrape}',
        f'rwe_latency_seconds_bucket{{le="+Inf"}} {3 * scrape}',
        f"rwe_latency_seconds_sum {0.7 * scrape}",
        f"rwe_latency_seconds_count {3 * scrape}",
        "# TYPE rwe_nan_gauge gauge",
        "rwe_nan_gauge NaN",
        "",
    ])


METRICS = [
    "rwe_requests_total", "rwe_temperature", "rwe_latency_seconds_bucket", "rwe_latency_seconds_sum",
    "rwe_latency_seconds_count", "rwe_nan_gauge",
]


def prometheus_config(exporter: Exporter, perfwatch_url: str, key: str | None = None) -> str:
    auth = f"\n    authorization: {{credentials: {key}}}" if key else ""
    return f"""
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: exporter
    static_configs: [{{targets: ["{exporter.address}"]}}]
remote_write:
  - url: {perfwatch_url}/api/v1/write{auth}
    queue_config: {{batch_send_deadline: 500ms, min_backoff: 50ms, max_backoff: 500ms}}
    metadata_config: {{send_interval: 2s}}
"""


def float_bits(value: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stored_count(server, metric: str) -> int:
    r = server.query(metric, "count", from_="-10m", to="now")
    assert r.status_code == 200, r.text
    return int(sum(point[1] for series in r.json()["series"] for point in series["points"]))


def test_prometheus_remote_write_arrives_sample_for_sample(start_server):
    server = start_server()
    exporter = Exporter(exposition)
    prometheus = Prometheus(prometheus_config(exporter, server.url))
    try:
        prometheus.wait_ready()
        # The legacy API counts finite samples: wait for a few scrapes to arrive through remote write.
        wait_for(lambda: stored_count(server, "rwe_temperature") >= 5, 60, "5 remote-written samples of rwe_temperature")
        catalog = {m["name"]: m for m in server.get("/api/v1/metrics").json()["metrics"]}
        assert catalog["rwe_requests_total"]["kind"] == "counter"
        assert catalog["rwe_requests_total"]["series"] == 2
        assert catalog["rwe_latency_seconds_bucket"]["tags"]["le"] == ["+Inf", "0.1", "0.5"]  # le stays a label
        assert "rwe_nan_gauge" in catalog
        # The exporter goes away: Prometheus' next scrape fails and it writes stale markers.
        exporter.stop()
        time.sleep(3)
        at = time.time()
        expected: dict[tuple, list[tuple[int, float]]] = {}
        for metric in METRICS:
            for series in prometheus.query(f"{metric}[5m]", at):
                labels = tuple(sorted((k, v) for k, v in series["metric"].items() if k != "__name__"))
                expected[(metric, labels)] = [(round(float(t) * 1000), float(v)) for t, v in series["values"]]
        assert len(expected) == 9, expected.keys()
        prometheus.stop()  # flushes what is still queued
        assert prometheus.proc.returncode == 0, prometheus.output()[-2000:]
    finally:
        exporter.server.server_close()
        prometheus.cleanup()
    server.stop()

    for metric in METRICS:
        stored = read_series(server.data_dir, metric)
        for (name, labels), samples in expected.items():
            if name != metric:
                continue
            assert labels in stored, f"{metric}{dict(labels)} missing; stored: {list(stored)}"
            values = stored[labels]
            by_time = dict(values)
            for time_ms, value in samples:
                assert time_ms in by_time, f"{metric}{dict(labels)} @ {time_ms} missing"
                if math.isnan(value):
                    assert by_time[time_ms] == GO_NAN, f"{metric} @ {time_ms}: bits {by_time[time_ms]:#x}"
                else:
                    assert by_time[time_ms] == float_bits(value), f"{metric} @ {time_ms}: {bits_to_float(by_time[time_ms])} != {value}"
            # After the last sample Prometheus answers: the stale marker, bit for bit, and nothing else.
            after = [bits for t, bits in values if t > samples[-1][0]]
            assert after == [STALE_MARKER], f"{metric}{dict(labels)}: after the last sample {[hex(b) for b in after]}"
            # Nothing stored that Prometheus does not have (apart from the marker).
            assert len(values) == len(samples) + 1, f"{metric}{dict(labels)}: {len(values)} stored, {len(samples)} in Prometheus"


def test_remote_write_with_api_keys_needs_the_ingest_scope(start_server, tmp_path):
    key = "rw-ingest-key-0123456789"
    config = tmp_path / "perfwatch.yml"
    config.write_text(f"auth:\n  keys:\n    - {{key: {key}, scopes: [ingest]}}\n    - {{key: rw-read-key-0123456789, scopes: [read]}}\n")
    server = start_server(config=config, data_dir=tmp_path / "data")
    exporter = Exporter(exposition)
    prometheus = Prometheus(prometheus_config(exporter, server.url, key=key))
    try:
        prometheus.wait_ready()
        read = {"Authorization": "Bearer rw-read-key-0123456789"}

        def arrived() -> bool:
            r = requests.get(server.url + "/api/v1/query", params={"metric": "rwe_temperature", "stat": "count", "from": "-10m"}, headers=read, timeout=10)
            return r.status_code == 200 and any(s["points"] and s["points"][0][1] > 0 for s in r.json()["series"])

        wait_for(arrived, 60, "remote write with a bearer ingest key")
        r = requests.post(server.url + "/api/v1/write", data=b"\x00", headers={"Content-Encoding": "snappy", **read}, timeout=10)
        assert r.status_code == 403, r.text
    finally:
        exporter.stop()
        prometheus.cleanup()
