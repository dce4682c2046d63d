"""Shared fixtures for the end-to-end suites: they drive the real `perfwatch` binary.

The build is done by scripts/test.sh before pytest runs; these fixtures only locate the
binary (`.build/debug/perfwatch`, or $PERFWATCH_BIN) and start/stop servers on free
loopback ports, each with a fresh data directory unless a test asks for a given one.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Iterator

import pytest
import requests

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


def perfwatch_binary() -> pathlib.Path:
    override = os.environ.get("PERFWATCH_BIN")
    path = pathlib.Path(override) if override else REPO_ROOT / ".build" / "debug" / "perfwatch"
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"perfwatch binary not found at {path} (build it first, or set PERFWATCH_BIN)")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def now_ms() -> int:
    return int(time.time() * 1000)


def sigterm_and_wait(proc: subprocess.Popen, timeout: float) -> bool:
    """SIGTERM and wait; False (after SIGKILL) when the process did not exit in time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return False
    return True


class Server:
    """One `perfwatch serve` process and a small HTTP client for it.

    `port=None` leaves `--port` off the command line (the config-precedence tests decide
    the port through the config file or the environment and pass `expect_port`).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None,
        *,
        port: int | None = 0,
        config: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
        expect_port: int | None = None,
    ) -> None:
        self.data_dir = str(data_dir) if data_dir is not None else None
        if port == 0:
            port = free_port()
        self.port = expect_port if expect_port is not None else port
        self.url = f"http://127.0.0.1:{self.port}"
        args = [str(perfwatch_binary()), "serve", "--host", "127.0.0.1"]
        if port is not None:
            args += ["--port", str(port)]
        if self.data_dir is not None:
            args += ["--data", self.data_dir]
        if config is not None:
            args += ["--config", str(config)]
        args += extra_args or []
        self.args = args
        proc_env = dict(os.environ)
        proc_env.update(env or {})
        self._log = tempfile.NamedTemporaryFile(prefix="perfwatch-e2e-", suffix=".log", delete=False)
        self.log_path = self._log.name
        self.proc = subprocess.Popen(
            args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=proc_env
        )
        self.http = requests.Session()

    # -- lifecycle -------------------------------------------------------------------

    def output(self) -> str:
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def listening_url(self) -> str | None:
        m = re.search(r"listening on (http://[^\s\"']+)", self.output())
        return m.group(1).rstrip("/.,") if m else None

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> "Server":
        deadline = time.monotonic() + timeout
        last_error: object = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"perfwatch exited with {self.proc.returncode} before answering /healthz\n"
                    f"command: {' '.join(self.args)}\n--- server output ---\n{self.output()}"
                )
            try:
                r = requests.get(self.url + "/healthz", timeout=2)
                if r.status_code == 200:
                    return self
                last_error = f"HTTP {r.status_code}: {r.text[:200]}"
            except requests.RequestException as e:
                last_error = e
            time.sleep(0.1)
        raise RuntimeError(
            f"perfwatch did not answer {self.url}/healthz within {timeout:.0f}s (last: {last_error})\n"
            f"command: {' '.join(self.args)}\n--- server output ---\n{self.output()}"
        )

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM and wait; raises if the process does not exit in time."""
        if not sigterm_and_wait(self.proc, timeout):
            raise RuntimeError(
                f"perfwatch did not exit within {timeout:.0f}s of SIGTERM\n"
                f"--- server output ---\n{self.output()}"
            )
        self.http.close()
        return self.proc.returncode

    def kill(self) -> int:
        """SIGKILL (kill -9) and reap."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.http.close()
        return self.proc.returncode

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def pid(self) -> int:
        return self.proc.pid

    # -- HTTP helpers ----------------------------------------------------------------

    def post_metrics(self, metrics: list[dict], **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.http.post(self.url + "/api/v1/metrics", json={"metrics": metrics}, **kwargs)

    def get(self, path: str, **params) -> requests.Response:
        """GET with query parameters; `from_` is accepted for `from`; list values
        (e.g. `where=[...]`) become repeated parameters."""
        timeout = params.pop("timeout", 30)
        if "from_" in params:
            params["from"] = params.pop("from_")
        return self.http.get(self.url + path, params=params, timeout=timeout)

    def post(self, path: str, data=None, headers: dict | None = None, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.http.post(self.url + path, data=data, headers=headers, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.http.request(method, self.url + path, **kwargs)

    def query(self, metric: str, stat: str, **params) -> requests.Response:
        return self.get("/api/v1/query", metric=metric, stat=stat, **params)


def stop_all(processes: list) -> None:
    """Stops each (SIGTERM, then SIGKILL if it hangs); fails the teardown naming every one that hung."""
    hung = []
    for process in processes:
        try:
            process.stop()
        except RuntimeError as e:
            hung.append(str(e))
    if hung:
        pytest.fail("\n".join(hung), pytrace=False)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    data_dir = tempfile.mkdtemp(prefix="perfwatch-e2e-data-")
    srv = Server(data_dir)
    try:
        srv.wait_ready()
    except RuntimeError as e:
        srv.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        pytest.fail(str(e), pytrace=False)
    yield srv
    try:
        srv.stop()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def start_server(tmp_path_factory) -> Iterator:
    """Factory: `start_server(data_dir=None, wait=True, **Server kwargs)` -> Server.

    Every server it started is stopped at teardown (SIGTERM, then SIGKILL if it hangs;
    a hang fails the teardown). `data_dir=None` makes a fresh directory.
    """
    started: list[Server] = []

    def _start(data_dir=None, *, wait: bool = True, **kwargs) -> Server:
        if data_dir is None and "config" not in kwargs:
            data_dir = tmp_path_factory.mktemp("pwdata")
        srv = Server(data_dir, **kwargs)
        started.append(srv)
        if wait:
            try:
                srv.wait_ready()
            except RuntimeError as e:
                pytest.fail(str(e), pytrace=False)
        return srv

    yield _start
    stop_all(started)


@pytest.fixture
def start_apps() -> Iterator:
    """Factory: `start_apps(count, delay_ms=5, slow=None)` -> [App] (edge_harness.App); instance `slow`
    (an index) answers 10x slower than its peers. All are killed at teardown."""
    from edge_harness import App  # the harness imports this module: imported here, not at the top

    started: list = []

    def _start(count: int, *, delay_ms: float = 5, slow: int | None = None) -> list:
        apps = [App(delay_ms=delay_ms * (10 if i == slow else 1), name=f"app-{len(started) + i + 1}") for i in range(count)]
        started.extend(apps)
        return apps

    yield _start
    for app in started:
        app.kill()


@pytest.fixture
def start_edge() -> Iterator:
    """Factory: `start_edge(upstreams, **edge_harness.Edge kwargs)` -> Edge. Each is stopped by SIGTERM at
    teardown; one that does not drain and exit in time fails the teardown."""
    from edge_harness import Edge

    started: list = []

    def _start(upstreams=None, **kwargs):
        try:
            edge = Edge(upstreams, **kwargs)
        except RuntimeError as e:
            pytest.fail(str(e), pytrace=False)
        started.append(edge)
        return edge

    yield _start
    stop_all(started)
