"""Helpers of the build tests: copy and build the fixture site; checks any built site must pass."""

from __future__ import annotations

import functools
import http.server
import re
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from fixture_sites import FIXTURE_SITE, THEME_OVERRIDES, build_site, copy_fixture_site  # noqa: F401  (shared with tests/browser)


class CountingHost:
    """A build Pyodide host that records the pages it is asked to run (proves what a cache saves)."""

    def __init__(self, host) -> None:
        self.host, self.pages = host, []

    def run_page(self, page, cells, timeout=None):
        self.pages.append(page)
        return self.host.run_page(page, cells, timeout)


# --- checks shared by the fixture-site and chapter-site tests -------------------------------------


#: <link rel=...> values whose href the browser fetches (canonical, alternate, etc. are metadata).
FETCHED_LINK_RELS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest", "apple-touch-icon"}
REMOTE = re.compile(r"(https?:)?//")


class LinkCollector(HTMLParser):
    """Every (tag, attribute, value, rel) of src/href attributes in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        rel = dict(attrs).get("rel") or ""
        self.links += [(tag, name, value, rel) for name, value in attrs if name in ("src", "href") and value]


def links_of(page: Path) -> list[tuple[str, str, str, str]]:
    collector = LinkCollector()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector.links


def is_fetched(tag: str, attribute: str, rel: str) -> bool:
    """Whether the browser loads this URL by itself (as opposed to a link the reader may follow)."""
    if attribute == "src":
        return True
    return tag == "link" and bool(set(rel.split()) & FETCHED_LINK_RELS)


def remote_requests(site: Path) -> list[str]:
    """Every URL off the site's origin that a page or stylesheet would make the browser fetch."""
    remote = []
    for page in sorted(site.rglob("*.html")):
        for tag, attribute, value, rel in links_of(page):
            if is_fetched(tag, attribute, rel) and REMOTE.match(value):
                remote.append(f"{page.relative_to(site)}: <{tag} {attribute}={value}>")
    for stylesheet in sorted(site.rglob("*.css")):
        found = re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", stylesheet.read_text(encoding="utf-8"))
        remote += [f"{stylesheet.relative_to(site)}: {url}" for url in found]
    return remote


class SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory` under the URL prefix `PREFIX` only, as a GitHub Pages project site would."""

    PREFIX = "/course/chapter/"

    def translate_path(self, path):
        if not path.startswith(self.PREFIX):
            return str(Path(self.directory) / "no-such-file-outside-the-prefix")
        return super().translate_path("/" + path[len(self.PREFIX):])

    def log_message(self, format, *args):  # noqa: A002 (the standard library's parameter name)
        pass


def broken_links_under_sub_path(site: Path) -> list[str]:
    """Serve `site` under /course/chapter/ on localhost; every local src/href that does not load.

    404.html is skipped: it is served at whatever URL was not found, so MkDocs writes it with
    root-absolute URLs derived from site_url.
    """
    handler = functools.partial(SubPathHandler, directory=str(site))
    broken: list[str] = []
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}{SubPathHandler.PREFIX}"
        fetch = functools.lru_cache(maxsize=None)(_loads)
        for page in sorted(path for path in site.rglob("*.html") if path.name != "404.html"):
            page_url = urljoin(base, page.relative_to(site).as_posix())
            for _, _, value, _ in links_of(page):
                if value.startswith(("#", "mailto:", "data:")) or REMOTE.match(value):
                    continue
                if value.startswith("/") or not fetch(urljoin(page_url, value).split("#")[0]):
                    broken.append(f"{page.relative_to(site)}: {value}")
        server.shutdown()
    return broken


def _loads(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False


def resolve(page: Path, url: str) -> Path:
    """The file a relative URL of `page` points to (directory URLs -> index.html)."""
    target = (page.parent / urlsplit(url).path).resolve()
    return target / "index.html" if target.is_dir() else target
