"""Real Prometheus-side components for the remote write and scrape tests: a small exporter
(a Python HTTP server whose body a test controls) and a private Prometheus 2.42 process (temp
directory, free port) that scrapes it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import requests

from conftest import free_port, sigterm_and_wait

PROMETHEUS_BIN = "/usr/bin/prometheus"


class Exporter:
    """Serves `body()` (text exposition) on GET `path`, counting scrapes; `stop()` closes the socket."""

    def __init__(self, body: Callable[[int], str], path: str = "/metrics") -> None:
        self.scrapes = 0
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path.split("?")[0] != path:
                    self.send_error(404)
                    return
                exporter.scrapes += 1
                payload = body(exporter.scrapes).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.address = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Prometheus:
    """`/usr/bin/prometheus` with `config` (YAML text) in a temp dir on a free port."""

    def __init__(self, config: str) -> None:
        self.directory = tempfile.mkdtemp(prefix="perfwatch-e2e-prometheus-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config_path = f"{self.directory}/prometheus.yml"
        with open(config_path, "w") as f:
            f.write(config)
        self.log_path = f"{self.directory}/prometheus.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [
                PROMETHEUS_BIN, f"--config.file={config_path}", f"--storage.tsdb.path={self.directory}/data",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )

    def output(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_ready(self, timeout: float = 30) -> "Prometheus":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"prometheus exited:\n{self.output()[-3000:]}"
            try:
                if requests.get(self.url + "/-/ready", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"prometheus not ready in {timeout} s:\n{self.output()[-3000:]}")

    def query(self, expression: str, at: float) -> list[dict]:
        r = requests.get(self.url + "/api/v1/query", params={"query": expression, "time": f"{at:.3f}"}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()["data"]["result"]

    def stop(self, timeout: float = 90) -> None:
        """SIGTERM: Prometheus flushes its remote write queues before it exits."""
        sigterm_and_wait(self.proc, timeout)
        self._log.close()

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self._log.closed:
            self._log.close()
        shutil.rmtree(self.directory, ignore_errors=True)
