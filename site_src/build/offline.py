"""The chapter kept offline on request: the list of what to download, and its size in the pages.

Every page's footer has a "Keep this chapter offline" button (theme override
`partials/copyright.html`); pressed, `runtime/js/offline.js` fetches every file listed in
`offline.json` (at the site's root), and the service worker keeps each one as it passes, as it
keeps what a reader opens. After MkDocs and the runtime step have written the site, this module
lists its files with their sizes (pages by the address a reader opens, `learning-rate/`) and writes
the total into every page's button, where the template left `SIZE_TOKEN`, so the reader sees what
the download costs before pressing it.

Left out, because no page of the chapter requests them: source maps (developer tools), the
sitemap's gzip copy, Material's search support for languages other than the site's English
(`assets/javascripts/lunr/`: the English search is in its worker), the theme's partials (inlined
into the pages) and the service worker's own script (the browser keeps it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from site_src.build.cache import write_if_changed

#: The list the button's script fetches (site root).
MANIFEST = "offline.json"
#: Where the template puts the download's size ("54.3 MB").
SIZE_TOKEN = "__CHAPTER_OFFLINE_SIZE__"
#: The control as the template writes it, between these comments (taken out of a site without the runtime).
CONTROL = re.compile(r"<!-- chapter-offline -->.*?<!-- /chapter-offline -->", re.S)
#: Paths (relative to the site) no page requests (see the module's docstring).
LEFT_OUT = re.compile(r"(\.map|\.gz)$|^(assets/javascripts/lunr/|partials/)|^service-worker\.js$|^" + re.escape(MANIFEST) + "$")


def address(relative: str) -> str:
    """The address a reader's browser asks for: a page by its folder (`learning-rate/`, `./`)."""
    if relative == "index.html":
        return "./"
    if relative.endswith("/index.html"):
        return relative.removesuffix("index.html")
    return relative


def _order(relative: str) -> tuple[int, str]:
    """Pages first, then the files they show, then the Python runtime: a download cut short keeps the reading."""
    if relative.endswith(".html"):
        return 0, relative
    return (2 if relative.startswith("runtime/") else 1), relative


def offline_files(site_dir: Path) -> list[tuple[str, int]]:
    """(address relative to the site's root, bytes) of every file the chapter's pages may request."""
    files = [path.relative_to(site_dir).as_posix() for path in site_dir.rglob("*") if path.is_file()]
    kept = sorted((relative for relative in files if not LEFT_OUT.search(relative)), key=_order)
    return [(address(relative), (site_dir / relative).stat().st_size) for relative in kept]


def megabytes(count: int) -> str:
    """A size as the control says it: "54.3 MB" (decimal megabytes, as browsers and phones count)."""
    return f"{count / 1e6:.1f} MB"


def keep_offline(site_dir: Path, *, with_runtime: bool) -> int | None:
    """Write `offline.json` and the total into every page's control; a site without the browser
    runtime (no script to press the button with) gets no control. Returns the total in bytes."""
    pages = sorted(site_dir.rglob("*.html"))
    if not with_runtime:
        for page in pages:
            write_if_changed(page, CONTROL.sub("", page.read_text(encoding="utf-8")).encode("utf-8"))
        return None
    # Writing the size into the pages changes the total by a few bytes, far below what it shows.
    size = megabytes(sum(count for _, count in offline_files(site_dir)))
    for page in pages:
        write_if_changed(page, page.read_text(encoding="utf-8").replace(SIZE_TOKEN, size).encode("utf-8"))
    files = offline_files(site_dir)
    total = sum(count for _, count in files)
    manifest = {"bytes": total, "files": files}
    write_if_changed(site_dir / MANIFEST, (json.dumps(manifest, separators=(",", ":")) + "\n").encode("utf-8"))
    return total
