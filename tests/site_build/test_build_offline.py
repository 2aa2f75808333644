""""Keep this chapter offline": the list of files a reader's browser downloads (site_src/build/offline.py)
and the size the pages' button states, on a small site laid out as MkDocs and the runtime write it."""

from __future__ import annotations

import json
from pathlib import Path

from site_src.build.offline import MANIFEST, SIZE_TOKEN, keep_offline, megabytes, offline_files

CONTROL = f'<footer><!-- chapter-offline --><button>Keep this chapter offline ({SIZE_TOKEN})</button><!-- /chapter-offline --></footer>'


def site(tmp_path: Path) -> Path:
    files = {
        "index.html": CONTROL,
        "learning-rate/index.html": CONTROL + "x" * 1000,
        "404.html": CONTROL,
        "generated/figures/a.svg": "s" * 300,
        "generated/figures/a.narrow.svg": "s" * 200,
        "assets/javascripts/bundle.1a2b3c4d.min.js": "j" * 50,
        "assets/javascripts/bundle.1a2b3c4d.min.js.map": "m" * 5000,
        "assets/javascripts/lunr/min/lunr.ja.min.js": "l" * 5000,
        "partials/sitemap-on-any-origin.js": "p" * 10,
        "service-worker.js": "w" * 10,
        "sitemap.xml.gz": "g" * 10,
        "runtime/pyodide/pyodide.asm.wasm": "p" * 2_000_000,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_every_file_a_page_may_request_is_listed_by_its_address_pages_first_runtime_last(tmp_path):
    listed = offline_files(site(tmp_path))
    addresses = [address for address, _ in listed]
    assert addresses == ["404.html", "./", "learning-rate/", "assets/javascripts/bundle.1a2b3c4d.min.js",
                         "generated/figures/a.narrow.svg", "generated/figures/a.svg", "runtime/pyodide/pyodide.asm.wasm"]
    assert dict(listed)["runtime/pyodide/pyodide.asm.wasm"] == 2_000_000


def test_the_pages_state_the_total_and_the_manifest_lists_it(tmp_path):
    folder = site(tmp_path)
    total = keep_offline(folder, with_runtime=True)
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["bytes"] == total == sum(size for _, size in manifest["files"])
    assert total == sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()
                        and path.name not in ("offline.json", "service-worker.js", "sitemap.xml.gz")
                        and not path.name.endswith(".map") and "lunr" not in path.parts and "partials" not in path.parts)
    page = (folder / "learning-rate" / "index.html").read_text()
    assert f"Keep this chapter offline ({megabytes(total)})" in page and megabytes(total) == "2.0 MB"
    assert SIZE_TOKEN not in (folder / "index.html").read_text()


def test_a_site_without_the_browser_runtime_has_no_control(tmp_path):
    folder = site(tmp_path)
    assert keep_offline(folder, with_runtime=False) is None
    assert (folder / "index.html").read_text() == "<footer></footer>"
    assert not (folder / MANIFEST).exists()
