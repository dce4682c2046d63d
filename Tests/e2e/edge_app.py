#!/usr/bin/env python3
"""The sample application of the `perfwatch edge` suites (stdlib only): one process per instance.

    python3 edge_app.py --port 3001 [--delay-ms 5] [--name app-1]

prints `edge_app listening on http://127.0.0.1:PORT` once it accepts connections. `--delay-ms`
is added to every application route (the slow instance gets 10x its peers' delay). Routes:

- `GET /courses/<id>`: the same JSON for one id on every instance, no Cache-Control (cacheable, not cached)
- `GET /me`: personalized (the body names the `session` cookie, and changes on every call);
  `Set-Cookie: session=…` when the request has none
- `GET /static/app.js`, `/static/styles.css`: > 10 kB of real-looking text, sent uncompressed,
  `Cache-Control: no-cache` with an `ETag` (revalidated: 304 on a matching If-None-Match)
- `GET /stream`: chunked, 5 chunks 50 ms apart (`?chunks=N&gap_ms=M`)
- `GET /bad-chunk`: a chunked response whose first chunk size is not hex, then the connection closes
- `GET /hang`: sleeps (`?seconds=`, default 120) before answering
- `GET /bad-head`: a status line that is not HTTP, then the connection closes
- `GET /slow-body`: promises 100,000 bytes, sends 1,000, closes
- `GET /headers`: the request's headers as a JSON object (lowercased names)
- `GET /ws` with `Upgrade: websocket`: a 101 with `Sec-WebSocket-Accept` and a greeting line sent at once,
  then every byte received is echoed back until the client closes (a byte-level echo, enough to see a tunnel
  carry data both ways); without `Upgrade`, a 426
- `GET /counter`: every response differs (a harmful-cache candidate)
- `GET /cache/<case>?cc=&vary=&etag=&last_modified=&expires=&set_cookie=`: the cache-table cases. Each
  query parameter becomes that response header; with `etag`/`last_modified` a matching conditional request
  is answered 304. The body counts the upstream's answers for this target (`served`), so a test sees
  whether an answer came from the upstream or the cache; `vary=X` echoes header X in the body.
- `GET /img/<name>`: the files of Tests/fixtures/images (photo.jpg, rotated.jpg, alpha.png, corrupt.jpg, bomb.png,
  not-an-image.jpg) as they are, whatever the query (`?w=` is for the edge: the app never resizes); Content-Type
  from the extension, an `ETag` and `Cache-Control: max-age=60`; an If-None-Match naming the ETag, weak or not
  (RFC 9110's weak comparison, as nginx does it), is answered 304 with ETag and Cache-Control only
- `GET /gallery.html?perfwatch=URL&key=KEY`: a page of six images under /img/ at the widths an image rule allows
  (photo.jpg at 640, 1280 and 1920, alpha.png at 640 and 1280, rotated.jpg at 640), each displayed at a fixed
  size; with `perfwatch` (a Perfwatch server's base URL) and `key` (its RUM key) it loads the RUM snippet from
  `URL/rum.js`, so page views and their image bytes reach that server
- `POST|PUT <any>`: reads the body, answers `{"received": n}`
- `GET /__stats`: `{"name", "total", "paths": {target: count}}` of the application requests answered;
  `POST /__reset` clears them.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import pathlib
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def _static_js() -> bytes:
    # Deterministic, compressible like real bundles: many small functions with varying names.
    parts = ["/* app.js: the course catalogue front end */\n'use strict';\n"]
    for i in range(240):
        parts.append(
            f"export function renderCourse{i}(course, root) {{\n"
            f"  const card = document.createElement('article');\n"
            f"  card.className = 'course-card course-{i % 7}';\n"
            f"  card.innerHTML = `<h2>${{course.title}}</h2><p>${{course.summary}}</p>`;\n"
            f"  root.appendChild(card);\n"
            f"  return card;\n}}\n"
        )
    return "".join(parts).encode()


def _static_css() -> bytes:
    parts = ["/* styles.css */\n:root { --accent: #3355ff; --text: #1b1b1f; }\n"]
    for i in range(300):
        parts.append(
            f".course-card.course-{i} {{ margin: {i % 9}px auto; padding: 12px 16px; border: 1px solid #dde; "
            f"border-radius: 6px; color: var(--text); }}\n"
        )
    return "".join(parts).encode()


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


# path -> (content type, body, ETag), the ETag computed once: these are served in the load-driven loop.
STATIC = {path: (kind, body, _etag(body)) for path, (kind, body) in {
    "/static/app.js": ("application/javascript", _static_js()),
    "/static/styles.css": ("text/css", _static_css()),
}.items()}


IMAGE_DIR = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "images"
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
               ".avif": "image/avif", ".gif": "image/gif"}
_IMAGES: dict[str, tuple[str, bytes, str]] = {}
_IMAGES_LOCK = threading.Lock()


def image(name: str) -> tuple[str, bytes, str] | None:
    """(content type, body, ETag) of a fixture image, read once; None for a name that is not a file there."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        return None
    with _IMAGES_LOCK:
        if name not in _IMAGES:
            file = IMAGE_DIR / name
            if not file.is_file():
                return None
            body = file.read_bytes()
            _IMAGES[name] = (IMAGE_TYPES.get(file.suffix.lower(), "application/octet-stream"), body, _etag(body))
        return _IMAGES[name]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): `W/"x"` matches `"x"`, a list matches if one tag does,
    `*` matches. What an edge revalidating a transformed variant (weak ETag) of this body sends."""
    if not if_none_match:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


# The gallery's images: (file, ?w=, displayed width, displayed height). The display size is fixed by the page
# (the same layout whatever size or format arrives), so the largest image, the LCP element, is the same one
# before and after an image rule. photo.jpg is 1600x1000, alpha.png 640x480, rotated.jpg 400x300 stored with
# EXIF orientation 6 (300x400 upright).
GALLERY = [
    ("photo.jpg", 1920, 800, 500),
    ("photo.jpg", 1280, 640, 400),
    ("photo.jpg", 640, 320, 200),
    ("alpha.png", 1280, 400, 300),
    ("alpha.png", 640, 320, 240),
    ("rotated.jpg", 640, 300, 400),
]


def gallery_page(perfwatch: str | None, key: str | None) -> bytes:
    snippet = ""
    if perfwatch and key:
        snippet = (f'<script src="{html.escape(perfwatch.rstrip("/"))}/rum.js" data-key="{html.escape(key)}" '
                   'async></script>\n')
    images = "".join(
        f'  <figure><img src="/img/{name}?w={w}" width="{dw}" height="{dh}" alt="{name} at {w}">'
        f"<figcaption>{name} ?w={w}</figcaption></figure>\n"
        for name, w, dw, dh in GALLERY
    )
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Gallery</title>\n"
        "<link rel=\"icon\" href=\"data:,\">\n"  # no /favicon.ico request: the page's images are the six
        + snippet
        + "<style>body{font:14px sans-serif;margin:16px} figure{display:inline-block;margin:8px}"
        " img{display:block;object-fit:cover}</style>\n</head>\n<body>\n<h1>Course gallery</h1>\n<main>\n"
        + images
        + "</main>\n</body>\n</html>\n"
    ).encode()


def course_body(course_id: str) -> bytes:
    lessons = [{"n": n, "title": f"Lesson {n} of course {course_id}", "minutes": 5 + (n * 7) % 20} for n in range(1, 13)]
    return json.dumps({"id": course_id, "title": f"Course {course_id}", "lessons": lessons}).encode()


class AppState:
    def __init__(self, name: str, delay_s: float) -> None:
        self.name = name
        self.delay_s = delay_s
        self.lock = threading.Lock()
        self.paths: dict[str, int] = {}
        self.total = 0
        self.counter = 0

    def count(self, target: str) -> int:
        with self.lock:
            self.total += 1
            self.paths[target] = self.paths.get(target, 0) + 1
            return self.paths[target]

    def next_counter(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def stats(self) -> dict:
        with self.lock:
            return {"name": self.name, "total": self.total, "paths": dict(self.paths)}

    def reset(self) -> None:
        with self.lock:
            self.paths.clear()
            self.total = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "edge_app"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stall
    state: AppState  # set on the subclass made in main()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    # -- helpers -----------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str = "application/json", headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)) if status != 304 else "0")
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)

    def _json(self, value: object, status: int = 200, headers: dict | None = None) -> None:
        self._send(status, json.dumps(value).encode(), headers=headers)

    def _raw(self, data: bytes) -> None:
        # Bypasses BaseHTTPRequestHandler's framing: the malformed answers are written byte by byte.
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True

    def _websocket_echo(self) -> None:
        if (self.headers.get("Upgrade") or "").lower() != "websocket" or "upgrade" not in (self.headers.get("Connection") or "").lower():
            self.send_response(426)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        key = self.headers.get("Sec-WebSocket-Key") or ""
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        # The head and a first message in one write: the edge must pass on what follows the 101 in the same read.
        self.wfile.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept.encode() + b"\r\n\r\nhello from " + self.state.name.encode() + b"\n")
        self.wfile.flush()
        while True:
            data = self.connection.recv(65536)
            if not data:
                break
            self.connection.sendall(data)
        self.close_connection = True

    def _cookie(self, name: str) -> str | None:
        for part in (self.headers.get("Cookie") or "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None

    # -- methods -----------------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        if self.path == "/__reset":
            self.state.reset()
            self._json({"reset": True})
            return
        length = int(self.headers.get("Content-Length") or 0)
        received = 0
        while received < length:
            chunk = self.rfile.read(min(65536, length - received))
            if not chunk:
                break
            received += len(chunk)
        self.state.count(self.path)
        self._json({"received": received})

    do_PUT = do_POST

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        if path == "/__stats":
            self._json(self.state.stats())
            return
        served = self.state.count(self.path)
        if path == "/stream":
            self._stream(int(query.get("chunks", ["5"])[0]), int(query.get("gap_ms", ["50"])[0]) / 1000)
            return
        if path == "/ws":
            self._websocket_echo()
            return
        if path == "/bad-chunk":
            self._raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"zz-not-hex\r\nhello\r\n0\r\n\r\n")
            return
        if path == "/bad-head":
            self._raw(b"HTTP/1.1 two hundred OK\r\nContent-Length: 2\r\n\r\nok")
            return
        if path == "/slow-body":
            self._raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
            return
        if path == "/hang":
            time.sleep(float(query.get("seconds", ["120"])[0]))
            self._json({"hung": True})
            return
        if path == "/headers":
            seen: dict[str, str] = {}
            for name, value in self.headers.items():
                key = name.lower()
                seen[key] = f"{seen[key]}, {value}" if key in seen else value
            self._json(seen)
            return
        time.sleep(self.state.delay_s)
        if path.startswith("/courses/"):
            self._send(200, course_body(path[len("/courses/"):]))
        elif path == "/me":
            session = self._cookie("session")
            headers = {}
            if session is None:
                session = uuid.uuid4().hex[:12]
                headers["Set-Cookie"] = f"session={session}; Path=/; HttpOnly"
            self._json({"user": session, "unread": self.state.next_counter(), "instance": self.state.name}, headers=headers)
        elif path in STATIC:
            content_type, body, etag = STATIC[path]
            match = self.headers.get("If-None-Match") == etag
            self._send(304 if match else 200, b"" if match else body, content_type, {"ETag": etag, "Cache-Control": "no-cache"})
        elif path.startswith("/img/"):
            found = image(path[len("/img/"):])
            if found is None:
                self._json({"error": f"no image {path}"}, status=404)
                return
            content_type, body, etag = found
            if etag_matches(self.headers.get("If-None-Match"), etag):
                # A 304 carries the validators and caching headers, no representation metadata (RFC 9110 15.4.5).
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Cache-Control", "max-age=60")
                self.end_headers()
                return
            self._send(200, body, content_type, {"ETag": etag, "Cache-Control": "max-age=60"})
        elif path == "/gallery.html":
            self._send(200, gallery_page(query.get("perfwatch", [None])[0], query.get("key", [None])[0]),
                       "text/html; charset=utf-8")
        elif path == "/counter":
            self._json({"count": self.state.next_counter(), "at": time.time()})
        elif path.startswith("/cache/"):
            self._cache_case(path, query, served)
        else:
            self._json({"error": f"no route {path}"}, status=404)

    def _stream(self, chunks: int, gap_s: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(chunks):
            data = f"chunk {i} at {time.time():.3f}\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
            if i + 1 < chunks:
                time.sleep(gap_s)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _cache_case(self, path: str, query: dict[str, list[str]], served: int) -> None:
        param = lambda name: query.get(name, [None])[0]  # noqa: E731
        headers = {}
        for name, header in (("cc", "Cache-Control"), ("vary", "Vary"), ("etag", "ETag"),
                             ("last_modified", "Last-Modified"), ("expires", "Expires")):
            if param(name) is not None:
                headers[header] = param(name)
        if param("set_cookie") is not None:
            headers["Set-Cookie"] = f"{param('set_cookie')}; Path=/"
        etag, last_modified = param("etag"), param("last_modified")
        if (etag is not None and self.headers.get("If-None-Match") == etag) or (
            etag is None and last_modified is not None and self.headers.get("If-Modified-Since") == last_modified
        ):
            self._send(304, b"", headers=headers)
            return
        body = {"case": path, "served": served, "instance": self.state.name}
        if param("vary"):
            body["vary"] = self.headers.get(param("vary"))
        self._json(body, headers=headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--name", default=None)
    args = parser.parse_args()
    handler = type("AppHandler", (Handler,), {"state": AppState(args.name or f"app-{args.port}", args.delay_ms / 1000)})
    ThreadingHTTPServer.request_queue_size = 1024
    ThreadingHTTPServer.daemon_threads = True
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    print(f"edge_app listening on http://127.0.0.1:{args.port}", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
