"""The audit test site's HTTP server: the pages of this folder, a padded 1.5 MB JPEG, a generated 200 KB script,
gzip for text except the stylesheet whose fault is to go uncompressed, `?delay=ms`, a request held open (/hang),
and /report where the faulty page posts its own CLS and LCP. Used by Tests/e2e/test_audit.py and
Benchmarks/audit_bench.py."""

from __future__ import annotations

import gzip
import json
import pathlib
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

SITE = pathlib.Path(__file__).resolve().parent
UNCOMPRESSED = {"/plain.css"}
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".jpg": "image/jpeg"}
IMAGE_BYTES = 1_500_000
SCRIPT_BYTES = 200_000


def padded_jpeg(target: int) -> bytes:
    """photo.jpg (1600×1200, 112 KB) grown to `target` bytes with JPEG comment segments (COM, 0xFFFE) right after
    SOI: the same picture, the weight of a photo straight from a camera."""
    data = (SITE / "photo.jpg").read_bytes()
    rng = random.Random(20)
    segments = bytearray()
    while len(data) + len(segments) < target:
        size = min(65_000, target - len(data) - len(segments))
        payload = bytes(rng.randrange(32, 127) for _ in range(max(0, size - 4)))
        segments += b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
    return data[:2] + bytes(segments) + data[2:]


def unused_script(target: int) -> bytes:
    """Functions nothing calls, with varied strings so gzip leaves real weight."""
    rng = random.Random(21)
    parts = ["// Generated: 200 KB of functions the page never calls.\n"]
    size = len(parts[0])
    index = 0
    while size < target:
        token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(60))
        line = f"function unusedHelper{index}(a, b) {{ return [a, b, '{token}'].join('-') + unusedHelper{index}.name; }}\n"
        parts.append(line)
        size += len(line)
        index += 1
    return "".join(parts).encode()


class SiteServer:
    def __init__(self) -> None:
        self.reports: list[dict] = []
        # What `perfwatch audit --server` posted here (this server stands in for Perfwatch's POST /api/v1/audits).
        self.audits: list[dict] = []
        self.generated = {"/photo.jpg": padded_jpeg(IMAGE_BYTES), "/unused.js": unused_script(SCRIPT_BYTES)}
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urlparse(self.path).path
                target = {"/report": server.reports, "/api/v1/audits": server.audits}.get(path)
                if target is not None:
                    try:
                        target.append(json.loads(body))
                    except ValueError:
                        pass
                self.send_response(201 if path == "/api/v1/audits" else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                if "delay" in query:
                    time.sleep(float(query["delay"][0]) / 1000)
                path = "/faulty.html" if url.path == "/" else url.path
                if path == "/hang":
                    server.release.wait(60)
                    self.send_response(204)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = server.generated.get(path)
                file = SITE / path.lstrip("/")
                if body is None and file.is_file() and file.suffix in TYPES:
                    body = file.read_bytes()
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                content_type = TYPES.get(pathlib.PurePosixPath(path).suffix, "application/octet-stream")
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                if content_type.startswith("text/") and path not in UNCOMPRESSED and "gzip" in self.headers.get("Accept-Encoding", ""):
                    body = gzip.compress(body, 6)
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
