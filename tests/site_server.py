"""The built site served on 127.0.0.1, and how to launch Debian's Chromium: shared by every browser test and the benchmark."""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import threading
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SITE_DIR = Path(os.environ.get("LIVE_CELLS_SITE_DIR", PROJECT_ROOT / "site"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The page with the live cells the tests drive.
PLAYGROUND = "playground/"


#: Under CI (``CI=true``) a missing prerequisite fails; locally it skips.
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing_prerequisite(what: str, fix: str) -> None:
    """Chromium or the built site is missing: under CI (``CI=true``) that is a failure, so a run
    can never pass without the browser tests; locally it is a skip that names what is missing."""
    message = f"{what} is missing: {fix}"
    import pytest  # here, not at the top: the benchmark scripts import this module without pytest

    if ON_CI:
        pytest.fail(f"{message} (CI=true: a missing prerequisite fails the run)", pytrace=False)
    pytest.skip(message)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the MIME types Pyodide needs, without a log line per request."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".whl": "application/zip"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass

    def do_GET(self) -> None:
        self._sent_length = 0
        super().do_GET()
        with self.server.lock:
            self.server.bytes_sent += int(self._sent_length or 0)

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "content-length":
            self._sent_length = value
        super().send_header(keyword, value)

    _sent_length = 0


class CompressingHandler(QuietHandler):
    """Sends text files gzip-compressed to a browser that accepts it, as static hosts do (GitHub
    Pages, Netlify, Read the Docs); `python -m http.server` never compresses. For the benchmark."""

    COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")

    def send_head(self):
        path = Path(self.translate_path(self.path.split("?")[0]))
        if path.is_dir():
            path = path / "index.html"
        content_type = self.guess_type(str(path))
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file() or not content_type.startswith(self.COMPRESSED_TYPES):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class CountingServer(http.server.ThreadingHTTPServer):
    """Counts bytes served, so the benchmark can report what a page downloaded."""

    daemon_threads = True
    bytes_sent = 0
    lock = threading.Lock()


class IsolatingHandler(QuietHandler):
    """Adds the headers that make a page cross-origin isolated (SharedArrayBuffer available)."""

    def end_headers(self) -> None:
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()


class SubPathHandler(QuietHandler):
    """The site under a sub-path (`mount`, such as "/chapter/"), as a GitHub Pages project site is
    served; anything outside it is not found."""

    def __init__(self, *args, mount: str, **kwargs) -> None:
        self.mount = mount  # before the base class's __init__, which handles the request
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.mount):
            return str(Path(self.directory) / "outside-the-mount" / "missing")
        return super().translate_path("/" + path[len(self.mount):])


def serve(directory: Path, isolated: bool = False, compress: bool = False, mount: str = "/") -> tuple[CountingServer, threading.Thread]:
    """Start a static server on 127.0.0.1 (a free port) over `directory`.

    With `isolated`, pages are cross-origin isolated, as behind a host that sends COOP/COEP; with
    `compress`, text is sent gzip-compressed (`CompressingHandler`); with a `mount` other than "/",
    the site is served under that sub-path (`SubPathHandler`).
    """
    if sum([isolated, compress, mount != "/"]) > 1:
        raise ValueError("serve: isolated, compress and mount are not implemented together")
    if mount != "/":
        handler = functools.partial(SubPathHandler, directory=str(directory), mount=mount)
    else:
        handler_class = IsolatingHandler if isolated else CompressingHandler if compress else QuietHandler
        handler = functools.partial(handler_class, directory=str(directory))
    server = CountingServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
