"""Processes of the edge suites: sample-app instances (edge_app.py) and `perfwatch edge` in front of them.

Each is a child process on a free loopback port with its output in a temporary log; the fixtures
in conftest.py (`start_apps`, `start_edge`) stop every one they started. Also the small measuring
helpers the edge suites share (a closed-loop latency sampler, brotli decoding through libbrotlidec).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

from conftest import free_port, perfwatch_binary, sigterm_and_wait

HERE = pathlib.Path(__file__).resolve().parent
START_TIMEOUT_S = 30.0


class _Child:
    """A child process writing to a temporary log, stopped by SIGTERM then SIGKILL."""

    def __init__(self, args: list[str]) -> None:
        self.args = args
        self._log = tempfile.NamedTemporaryFile(prefix="perfwatch-edge-e2e-", suffix=".log", delete=False)
        self.log_path = self._log.name
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def output(self) -> str:
        try:
            return pathlib.Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""

    def wait_port(self, port: int, what: str, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {self.proc.returncode} before listening\n"
                                   f"command: {' '.join(self.args)}\n--- output ---\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{what} did not listen on port {port} within {timeout:.0f}s\n"
                           f"command: {' '.join(self.args)}\n--- output ---\n{self.output()}")

    def stop(self, timeout: float = 15.0) -> int:
        if not sigterm_and_wait(self.proc, timeout):
            raise RuntimeError(f"{' '.join(self.args[:2])} did not exit within {timeout:.0f}s of SIGTERM\n"
                               f"--- output ---\n{self.output()}")
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class App(_Child):
    """One instance of the sample application."""

    def __init__(self, *, delay_ms: float = 0, name: str | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.name = name or f"app-{self.port}"
        super().__init__([sys.executable, str(HERE / "edge_app.py"), "--port", str(self.port),
                          "--delay-ms", str(delay_ms), "--name", self.name])
        self.wait_port(self.port, f"edge_app {self.name}")

    def stats(self) -> dict:
        return requests.get(self.url + "/__stats", timeout=5).json()

    def served(self, target: str | None = None) -> int:
        stats = self.stats()
        return stats["total"] if target is None else stats["paths"].get(target, 0)

    def reset(self) -> None:
        requests.post(self.url + "/__reset", timeout=5)


class Edge(_Child):
    """`perfwatch edge` from flags (`--listen --upstream… --server --balancing --name --service`) or, with
    `config_text`, from an edge.yml written next to the log (its `listen:` is set here unless given)."""

    def __init__(
        self,
        upstreams: list[str] | None = None,
        *,
        server: str | None = None,
        balancing: str | None = None,
        name: str | None = None,
        service: str | None = None,
        config_text: str | None = None,
    ) -> None:
        self.port = free_port()
        args = [str(perfwatch_binary()), "edge"]
        if config_text is not None:
            listen = re.search(r"^listen: *[\w.]*:(\d+)", config_text, re.M)
            if listen:
                self.port = int(listen.group(1))
            else:
                config_text = f"listen: 127.0.0.1:{self.port}\n" + config_text
            fd, config_path = tempfile.mkstemp(prefix="edge-", suffix=".yml")
            with os.fdopen(fd, "w") as f:
                f.write(config_text)
            args += ["--config", config_path]
        else:
            args += ["--listen", f"127.0.0.1:{self.port}"]
        for upstream in upstreams or []:
            args += ["--upstream", upstream]
        for flag, value in (("--server", server), ("--balancing", balancing), ("--name", name), ("--service", service)):
            if value is not None:
                args += [flag, value]
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(args)
        self.http = requests.Session()
        self.wait_port(self.port, "perfwatch edge")

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.http.get(self.url + path, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.http.request(method, self.url + path, **kwargs)

    def stop(self, timeout: float = 15.0) -> int:
        self.http.close()
        return super().stop(timeout)


def run_edge_once(args: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
    """`perfwatch edge ARGS` expected to exit by itself (bad configuration)."""
    return subprocess.run([str(perfwatch_binary()), "edge", *args], capture_output=True, text=True, timeout=timeout)


def closed_loop_latencies(url: str, *, workers: int, per_worker: int, headers: dict | None = None) -> list[float]:
    """`workers` threads each send `per_worker` GETs back to back on their own keep-alive connection;
    returns every latency in ms (a failed request raises in the caller)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        session = requests.Session()
        mine = []
        try:
            for _ in range(per_worker):
                start = time.perf_counter()
                r = session.get(url, headers=headers, timeout=30)
                mine.append((time.perf_counter() - start) * 1000)
                if r.status_code != 200:
                    errors.append(f"HTTP {r.status_code}: {r.text[:200]}")
                    return
        except requests.RequestException as e:
            errors.append(str(e))
        finally:
            session.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    return latencies


def wait_for(what: str, probe, timeout: float = 30, every: float = 0.5):
    """Calls `probe` until it returns something true (returned); fails naming `what` and the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f}s (last: {last!r})")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def brotli_decompress(data: bytes) -> bytes:
    """Decodes brotli with Debian's libbrotlidec (installed with libbrotli-dev; no Python module needed)."""
    name = ctypes.util.find_library("brotlidec") or "libbrotlidec.so.1"
    lib = ctypes.CDLL(name)
    lib.BrotliDecoderDecompress.argtypes = [ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p]
    lib.BrotliDecoderDecompress.restype = ctypes.c_int
    capacity = max(1 << 20, len(data) * 64)
    out = ctypes.create_string_buffer(capacity)
    size = ctypes.c_size_t(capacity)
    if lib.BrotliDecoderDecompress(len(data), data, ctypes.byref(size), out) != 1:  # BROTLI_DECODER_RESULT_SUCCESS
        raise ValueError("not a complete brotli stream")
    return out.raw[: size.value]
