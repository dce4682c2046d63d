"""Private Prometheus 2.42 and VictoriaMetrics instances for side-by-side runs, and one PromQL HTTP client.

Each peer runs on a free loopback port with its data in a temporary directory that is removed when it stops;
system services (Debian may run prometheus on 9090) are never used. Prometheus gets its data before it starts:
`promtool tsdb create-blocks-from openmetrics` writes blocks into the data directory, and the server runs with
no scrape configuration, so the head stays empty and every answer comes from the loaded blocks.
VictoriaMetrics gets the same samples through `/api/v1/import/prometheus`.

Used by Tests/e2e/test_prometheus_side_by_side.py and Benchmarks/promql_bench.py.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
import time
from typing import Iterable

import requests

from conftest import free_port, sigterm_and_wait


class PeerError(RuntimeError):
    pass


def find_binary(name: str) -> str | None:
    """Debian installs victoria-metrics and prometheus in /usr/bin; PATH first, then there."""
    found = shutil.which(name)
    if found:
        return found
    candidate = f"/usr/bin/{name}"
    return candidate if os.access(candidate, os.X_OK) else None


class Peer:
    """One server process with a private work directory (data and log), stopped by `stop()`."""

    def __init__(self, name: str, args: list[str], url: str, ready_path: str, workdir: str):
        self.name, self.args, self.url, self.ready_path, self.workdir = name, args, url, ready_path, workdir
        self.log_path = os.path.join(workdir, f"{name}.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.client = PromClient(url)

    def output(self, tail: int = 4000) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-tail:]
        except OSError:
            return ""

    def wait_ready(self, timeout: float = 60) -> "Peer":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PeerError(f"{self.name} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if requests.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise PeerError(f"{self.name} not ready within {timeout:.0f}s:\n{self.output()}")

    @classmethod
    def launch(cls, name: str, args: list[str], url: str, ready_path: str, workdir: str) -> "Peer":
        """Starts the process and waits until `ready_path` answers 200; stopped and cleaned up if it never does."""
        peer = cls(name, args, url, ready_path, workdir)
        try:
            return peer.wait_ready()
        except PeerError:
            peer.stop()
            raise

    def stop(self, timeout: float = 30) -> None:
        try:
            sigterm_and_wait(self.proc, timeout)
        finally:
            self._log.close()
            self.client.session.close()
            shutil.rmtree(self.workdir, ignore_errors=True)


def start_prometheus(dataset, binary: str | None = None) -> Peer:
    """Prometheus 2.42 over blocks made from `dataset` (prom_dataset.Dataset: its `write_openmetrics`)."""
    prometheus = binary or find_binary("prometheus")
    promtool = find_binary("promtool")
    if not prometheus or not promtool:
        raise PeerError("prometheus/promtool not installed (apt-get install prometheus)")
    workdir = tempfile.mkdtemp(prefix="promside-prometheus-")
    data = os.path.join(workdir, "data")
    source = os.path.join(workdir, "input.om")
    with open(source, "w") as f:
        dataset.write_openmetrics(f)
    made = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", source, data],
                          capture_output=True, text=True, timeout=600)
    os.remove(source)
    if made.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise PeerError(f"promtool create-blocks-from openmetrics failed:\n{made.stdout[-2000:]}{made.stderr[-2000:]}")
    config = os.path.join(workdir, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 15s\n")  # no scrape_configs: only the loaded blocks answer
    port = free_port()
    return Peer.launch("prometheus", [
        prometheus, f"--config.file={config}", f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=30d", "--log.level=warn",
    ], f"http://127.0.0.1:{port}", "/-/ready", workdir)


def start_victoria_metrics(binary: str | None = None) -> Peer:
    vm = binary or find_binary("victoria-metrics")
    if not vm:
        raise PeerError("victoria-metrics not installed (apt-get install victoria-metrics)")
    workdir = tempfile.mkdtemp(prefix="promside-vm-")
    port = free_port()
    return Peer.launch("victoria-metrics", [
        vm, f"-storageDataPath={os.path.join(workdir, 'data')}", f"-httpListenAddr=127.0.0.1:{port}",
        "-retentionPeriod=1y", "-search.disableCache", "-search.latencyOffset=0s", "-loggerLevel=ERROR",
    ], f"http://127.0.0.1:{port}", "/health", workdir)


def import_exposition(url: str, chunks: Iterable[bytes], *, headers: dict[str, str] | None = None) -> None:
    """POSTs each chunk to `<url>/api/v1/import/prometheus` (VictoriaMetrics and Perfwatch alike)."""
    with requests.Session() as session:
        for chunk in chunks:
            r = session.post(url + "/api/v1/import/prometheus", data=chunk, headers=headers or {}, timeout=300)
            if r.status_code not in (200, 204):
                raise PeerError(f"import into {url} answered {r.status_code}: {r.text[:500]}")


def flush_victoria_metrics(url: str) -> None:
    """Makes imported rows searchable now rather than after VictoriaMetrics' periodic flush."""
    requests.get(url + "/internal/resetRollupResultCache", timeout=30)
    requests.get(url + "/internal/force_flush", timeout=30)


class PromClient:
    """The Prometheus HTTP API as Grafana calls it. Each call returns (HTTP status, decoded JSON or None)."""

    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()

    def _json(self, r: requests.Response) -> tuple[int, dict | None]:
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, None

    def get(self, path: str, params=None) -> tuple[int, dict | None]:
        return self._json(self.session.get(self.url + path, params=params, timeout=120))

    def post_form(self, path: str, form) -> tuple[int, dict | None]:
        return self._json(self.session.post(self.url + path, data=form, timeout=120))

    def instant(self, query: str, at_s: float) -> tuple[int, dict | None]:
        return self.get("/api/v1/query", {"query": query, "time": _fmt_time(at_s)})

    def range(self, query: str, start_s: float, end_s: float, step_s: float) -> tuple[int, dict | None]:
        return self.post_form("/api/v1/query_range", {
            "query": query, "start": _fmt_time(start_s), "end": _fmt_time(end_s), "step": _fmt_time(step_s)})


def _fmt_time(seconds: float) -> str:
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


# ------------------------------------------------------------------------- comparing answers


def parse_value(text: str) -> float:
    return float(text)  # Go's spellings NaN, +Inf, -Inf are Python's too


def same_number(a: float, b: float, rel: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


def normalise(data: dict) -> tuple[str, object]:
    """A `data` object of a query answer as (resultType, comparable result): vectors and matrices as a dict
    from the sorted label set to its points [(t, value)], scalars and strings as one point."""
    kind = data["resultType"]
    result = data["result"]
    if kind in ("scalar", "string"):
        return kind, [(float(result[0]), result[1])]
    series: dict[tuple, list[tuple[float, str]]] = {}
    for element in result:
        key = tuple(sorted(element["metric"].items()))
        points = element.get("values") or ([element["value"]] if "value" in element else [])
        series[key] = [(float(t), v) for t, v in points]
    return kind, series


def compare(expected: dict, actual: dict, rel: float = 1e-9, ordered: bool = False) -> list[str]:
    """Differences between two successful answers' `data` (empty when they agree): the result type, the label
    sets, each series' timestamps and values within `rel` relative (NaN equals NaN); with `ordered`, also the
    order of a vector's elements (sort, topk)."""
    kind_e, exp = normalise(expected)
    kind_a, act = normalise(actual)
    if kind_e != kind_a:
        return [f"result type {kind_a!r}, expected {kind_e!r}"]
    if kind_e in ("scalar", "string"):
        exp, act = {(): exp}, {(): act}
    problems = []
    for key in sorted(set(exp) - set(act)):
        problems.append(f"missing series {dict(key)}")
    for key in sorted(set(act) - set(exp)):
        problems.append(f"unexpected series {dict(key)}")
    for key in sorted(set(exp) & set(act)):
        pe, pa = exp[key], act[key]
        te, ta = [t for t, _ in pe], [t for t, _ in pa]
        if te != ta:
            problems.append(f"{dict(key)}: timestamps {ta[:5]}… ({len(ta)}), expected {te[:5]}… ({len(te)})")
            continue
        for (t, ve), (_, va) in zip(pe, pa):
            if kind_e == "string":
                ok = ve == va
            else:
                ok = same_number(parse_value(ve), parse_value(va), rel)
            if not ok:
                problems.append(f"{dict(key)} at {t}: {va}, expected {ve}")
                break
    if ordered and not problems and kind_e == "vector":
        order_e = [tuple(sorted(e["metric"].items())) for e in expected["result"]]
        order_a = [tuple(sorted(e["metric"].items())) for e in actual["result"]]
        if order_e != order_a:
            problems.append(f"order {[dict(k) for k in order_a]}, expected {[dict(k) for k in order_e]}")
    return problems
