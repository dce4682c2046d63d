"""A tiny reverse proxy that serves the dashboard from dashboard/ on disk and forwards the
rest to a perfwatch server, so browser tests can check dashboard changes before the binary
(which embeds dashboard/ at build time) is rebuilt.

    with DashboardProxy("http://127.0.0.1:PORT") as proxy:
        driver.get(proxy.url + "/#/loadtests")

Used by the dashboard tests when PERFWATCH_E2E_DASHBOARD_FROM_DISK=1.
"""

from __future__ import annotations

import http.client
import mimetypes
import pathlib
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DASHBOARD = pathlib.Path(__file__).resolve().parents[2] / "dashboard"
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"}


class DashboardProxy:
    def __init__(self, upstream: str, root: pathlib.Path = DASHBOARD) -> None:
        up = urllib.parse.urlsplit(upstream)
        host, port, files = up.hostname, up.port or 80, root

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def local_file(self) -> pathlib.Path | None:
                path = urllib.parse.urlsplit(self.path).path
                name = "index.html" if path in ("/", "/index.html") else path[len("/assets/"):] if path.startswith("/assets/") else None
                if not name or "/" in name or name.startswith("."):
                    return None
                f = files / name
                return f if f.is_file() else None

            def forward(self):
                f = self.local_file() if self.command in ("GET", "HEAD") else None
                if f is not None:
                    body = f.read_bytes()
                    ctype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
                    self.send_response(200)
                    self.send_header("Content-Type", ctype + ("; charset=utf-8" if ctype.startswith("text/") or ctype.endswith("javascript") else ""))
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Cache-Control", "no-store")
                    self.end_headers()
                    if self.command == "GET":
                        self.wfile.write(body)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                conn = http.client.HTTPConnection(host, port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "host"}
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    res = conn.getresponse()
                except OSError:  # the server is gone (test teardown)
                    conn.close()
                    self.send_error(502)
                    return
                stream = (res.getheader("Content-Type") or "").startswith("text/event-stream")
                self.send_response(res.status, res.reason)
                for k, v in res.getheaders():
                    if k.lower() not in HOP and not (stream and k.lower() == "content-length"):
                        self.send_header(k, v)
                if stream:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                try:
                    while True:
                        chunk = res.read1(65536) if stream else res.read()
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        if not stream:
                            break
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass
                finally:
                    conn.close()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "DashboardProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
