"""The static server of the browser tests and the page benchmark: `compress` sends text as a static
host does (gzip, when the browser accepts it), everything else as `python -m http.server` does."""

from __future__ import annotations

import gzip
import urllib.request

import pytest

from site_server import serve


@pytest.fixture
def site(tmp_path):
    (tmp_path / "page").mkdir()
    (tmp_path / "page" / "index.html").write_text("<p>text</p>" * 200)
    (tmp_path / "plot.png").write_bytes(b"\x89PNG" + bytes(300))
    return tmp_path


def fetch(url: str, accept_gzip: bool) -> tuple[dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if accept_gzip else {})
    with urllib.request.urlopen(request) as response:
        return dict(response.headers), response.read()


@pytest.mark.parametrize("compress", [False, True])
def test_text_is_compressed_only_when_asked_and_accepted(site, compress):
    server, _ = serve(site, compress=compress)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        headers, body = fetch(base + "page/", accept_gzip=True)
        assert (headers.get("Content-Encoding") == "gzip") is compress
        assert (gzip.decompress(body) if compress else body) == (site / "page" / "index.html").read_bytes()
        assert int(headers["Content-Length"]) == len(body)
        assert len(body) < 100 if compress else len(body) == 2200, "200 repeats of a paragraph compress well"
        headers, body = fetch(base + "page/", accept_gzip=False)
        assert "Content-Encoding" not in headers and body == (site / "page" / "index.html").read_bytes()
        headers, body = fetch(base + "plot.png", accept_gzip=True)
        assert "Content-Encoding" not in headers and body == (site / "plot.png").read_bytes(), "images as they are"
    finally:
        server.shutdown()
