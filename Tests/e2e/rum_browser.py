"""Browser harness for the RUM snippet (rum/rum.js): test site server, Chromium, scenario.

A module, not a test file: `rum_capture_check.py`, `Benchmarks/rum_bench.py` and the e2e
suite against the real server import it.

- `SiteServer` serves Tests/e2e/rum_site/ on a free loopback port, substituting in pages
  {{PERFWATCH}} (base URL the snippet is loaded from: perfwatch, or a `CaptureServer`),
  {{KEY}} (the public key), {{RUM_ATTRS}} (extra attributes for the snippet's script tag,
  e.g. ' data-endpoint="..."'; empty by default) and {{REFERENCE}} (reference.js, inlined).
  /hero.png is a generated 1600x900 PNG served after `hero_delay_s`; /book/<id> serves
  journey.html.
- `CaptureServer` stands in for perfwatch during development: serves /rum.js (gzip when
  asked) and records every POST body (any path) with CORS headers echoing the Origin.
- `make_driver()` starts Debian's headless Chromium with browser console capture.
- `run_scenario()` drives the pages like a user and returns the pages' own reference
  measurements plus the console log.
"""

from __future__ import annotations

import gzip
import http.server
import json
import pathlib
import random
import re
import socketserver
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE_DIR = pathlib.Path(__file__).resolve().parent / "rum_site"
SNIPPET_SOURCE = REPO_ROOT / "rum" / "rum.js"
SNIPPET_MIN = REPO_ROOT / "rum" / "rum.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".png": "image/png",
}


def hero_png(width: int = 1600, height: int = 900) -> bytes:
    """A real PNG (8-bit RGB) with stdlib zlib: colour bands plus noise.

    The noise matters: Chromium ignores low-entropy images (under ~0.05 bits per pixel)
    as LCP candidates, and a plain gradient compresses below that.
    """
    rng = random.Random(4)
    # Each row: filter byte 0, then noise mapped onto a per-band base colour. translate()
    # does the per-byte work in C; every fourth row repeats, so zlib keeps it ~300 KB.
    rows = []
    row = b""
    for y in range(height):
        if y % 4 == 0:
            base = (y * 256) // height
            table = bytes((base + (b & 31)) & 255 for b in range(256))
            row = b"\x00" + rng.randbytes(width * 3).translate(table)
        rows.append(row)
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


_HERO_CACHE: list[bytes] = []


def _hero() -> bytes:
    if not _HERO_CACHE:
        _HERO_CACHE.append(hero_png())
    return _HERO_CACHE[0]


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass

    def send_body(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _start(handler: type, host: str = "127.0.0.1") -> tuple[_Server, str]:
    server = _Server((host, 0), handler)
    threading.Thread(target=server.serve_forever, name=handler.__name__, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}"


class SiteServer:
    """The RUM test site. Use as a context manager or call stop()."""

    def __init__(
        self,
        perfwatch_url: str,
        key: str = "e2e-public-key",
        rum_attrs: str = "",
        hero_delay_s: float = 0.8,
        with_snippet: bool = True,
    ) -> None:
        reference = (SITE_DIR / "reference.js").read_text(encoding="utf-8")
        snippet_tag = re.compile(r'<script src="\{\{PERFWATCH\}\}/rum\.js"[^>]*></script>\n?')

        def render(text: str) -> str:
            if not with_snippet:
                text = snippet_tag.sub("", text)
            return (
                text.replace("{{REFERENCE}}", reference)
                .replace("{{PERFWATCH}}", perfwatch_url.rstrip("/"))
                .replace("{{KEY}}", key)
                .replace("{{RUM_ATTRS}}", rum_attrs)
            )

        hero = _hero()

        class Handler(_Quiet):
            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                path = self.path.split("?", 1)[0]
                if path == "/":
                    path = "/index.html"
                if re.fullmatch(r"/book/[^/]+", path):
                    path = "/journey.html"
                if path == "/hero.png":
                    time.sleep(hero_delay_s)
                    return self.send_body(200, hero, "image/png")
                if path == "/favicon.ico":
                    return self.send_body(204, b"", "image/x-icon")
                file = SITE_DIR / path.lstrip("/")
                if "/" in path.lstrip("/") or not file.is_file():
                    return self.send_body(404, b"not found", "text/plain")
                body = file.read_bytes()
                if file.suffix == ".html":
                    body = render(body.decode("utf-8")).encode("utf-8")
                self.send_body(200, body, CONTENT_TYPES.get(file.suffix, "application/octet-stream"))

            do_HEAD = do_GET

        self._server, self.url = _start(Handler)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "SiteServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Beacon:
    path: str
    content_type: str
    origin: str
    received: float
    body: dict = field(default_factory=dict)
    raw: bytes = b""


class CaptureServer:
    """Stand-in for perfwatch: GET /rum.js, and records POSTed beacons on any path."""

    def __init__(self, snippet: bytes | None = None) -> None:
        if snippet is None:
            snippet = (SNIPPET_MIN if SNIPPET_MIN.exists() else SNIPPET_SOURCE).read_bytes()
        self.snippet = snippet
        self.snippet_gzip = gzip.compress(snippet, compresslevel=9, mtime=0)
        self.beacons: list[Beacon] = []
        self.lock = threading.Lock()
        capture = self

        class Handler(_Quiet):
            def cors(self) -> dict:
                origin = self.headers.get("Origin")
                if not origin:
                    return {}
                return {
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Credentials": "true",
                    "Access-Control-Allow-Methods": "POST, OPTIONS",
                    "Access-Control-Allow-Headers": "content-type",
                    "Vary": "Origin",
                }

            def do_GET(self) -> None:  # noqa: N802
                if self.path.split("?", 1)[0] != "/rum.js":
                    return self.send_body(404, b"not found", "text/plain")
                if "gzip" in self.headers.get("Accept-Encoding", ""):
                    return self.send_body(
                        200, capture.snippet_gzip, "text/javascript; charset=utf-8", {"Content-Encoding": "gzip"}
                    )
                self.send_body(200, capture.snippet, "text/javascript; charset=utf-8")

            def do_OPTIONS(self) -> None:  # noqa: N802
                self.send_body(204, b"", "text/plain", self.cors())

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"_unparsable": raw[:200].decode("utf-8", "replace")}
                with capture.lock:
                    capture.beacons.append(
                        Beacon(
                            path=self.path,
                            content_type=self.headers.get("Content-Type", ""),
                            origin=self.headers.get("Origin", ""),
                            received=time.time(),
                            body=body,
                            raw=raw,
                        )
                    )
                self.send_body(204, b"", "text/plain", self.cors())

        self._server, self.url = _start(Handler)

    def received(self) -> list[Beacon]:
        with self.lock:
            return list(self.beacons)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "CaptureServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def make_driver():
    """Headless Debian Chromium via chromedriver, with the browser console captured."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def wait_until(fn, timeout: float = 10.0, what: str = "condition", interval: float = 0.05):
    """Polls fn() until truthy; raises TimeoutError naming `what` and the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except Exception as e:  # the page may be navigating
            last = e
        else:
            if last:
                return last
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}; last value: {last!r}")


def console_log(driver) -> list[dict]:
    """Browser console entries since the last call (chromedriver clears them on read)."""
    try:
        return driver.get_log("browser")
    except Exception:
        return []


def _wait_snippet(driver) -> None:
    wait_until(
        lambda: driver.execute_script("return !!(window.perfwatch && window.perfwatch.journey)"),
        what="rum.js to load (window.perfwatch.journey)",
    )


def run_scenario(driver, site_url: str, settle_s: float = 1.5) -> dict:
    """Drives the test site like a user; returns the pages' own measurements and console.

    1. /index.html: waits for the hero image and the layout shift, clicks the slow button
       (a trusted click, so Event Timing sees it), the fast one, the throwing one and the
       rejecting one, then reads window.__reference;
    2. /book/42: a booking journey (start, select, pay, complete);
    3. /abandon.html: starts a checkout journey, one step; opens and closes another tab
       (the page is hidden, then visible again: an "open" progress report), then leaves
       for about:blank, so pagehide sends the journey as abandoned.
    Every navigation is a real page-away, so the snippet flushes its beacons.

    Returns {"reference": {"/index.html": {...}, "/book/42": {...}}, "console": [entries],
    "pages": [paths in order]}.
    """
    from selenium.webdriver.common.by import By

    out: dict = {"reference": {}, "console": [], "pages": []}

    def click(element_id: str, pause: float = 0.3) -> None:
        driver.find_element(By.ID, element_id).click()
        time.sleep(pause)

    def read_reference() -> dict:
        return driver.execute_script("return window.__reference")

    driver.get(site_url + "/index.html")
    out["pages"].append("/index.html")
    wait_until(lambda: driver.execute_script("return window.__heroLoaded === true"), what="hero image")
    wait_until(lambda: driver.execute_script("return !!document.getElementById('banner')"), what="banner")
    _wait_snippet(driver)
    time.sleep(settle_s)  # LCP/CLS entries are delivered after the next frames
    click("slow", 0.5)
    click("fast")
    click("throw")
    click("reject")
    time.sleep(1.0)  # Event Timing entries arrive after the next paint
    out["reference"]["/index.html"] = read_reference()
    out["console"] += console_log(driver)

    driver.get(site_url + "/book/42")
    out["pages"].append("/book/42")
    _wait_snippet(driver)
    click("start")
    click("select")
    click("pay")
    click("confirm")
    time.sleep(1.5)  # the snippet sends finished journeys ~1 s after they end
    out["reference"]["/book/42"] = read_reference()
    out["console"] += console_log(driver)

    driver.get(site_url + "/abandon.html")
    out["pages"].append("/abandon.html")
    _wait_snippet(driver)
    click("start")
    out["reference"]["/abandon.html"] = read_reference()
    out["console"] += console_log(driver)
    # Hide the page without leaving it (another tab in front): the snippet sends the
    # page-view beacon and the open journey as a progress report ("open").
    page = driver.current_window_handle
    driver.switch_to.new_window("tab")
    time.sleep(0.7)
    driver.close()
    driver.switch_to.window(page)
    time.sleep(0.3)

    driver.get("about:blank")
    time.sleep(0.5)
    out["console"] += console_log(driver)
    return out


def run_unsampled_scenario(driver, site_url: str) -> dict:
    """For a page whose snippet must not report (data-sample-rate="0", or no data-key):
    uses the journey API from page code, clicks the throwing button, leaves the page.

    Returns {"api": "ok" or the exception text, "console": [entries]}; the caller checks
    that nothing was beaconed.
    """
    from selenium.webdriver.common.by import By

    driver.get(site_url + "/book/7")
    _wait_snippet(driver)
    api = driver.execute_script(
        """
        try {
          var j = window.perfwatch.journey.start('booking', {targetMs: 1000});
          j.step('a').step('b');
          if (window.perfwatch.journey.current('booking') !== j) return 'current() lost the journey';
          j.complete();
          window.perfwatch.journey.start('x').fail('because');
          return 'ok';
        } catch (e) { return String(e); }
        """
    )
    driver.find_element(By.ID, "start").click()
    time.sleep(1.3)
    driver.get("about:blank")
    time.sleep(0.3)
    return {"api": api, "console": console_log(driver)}
