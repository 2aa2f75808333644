"""A repeat visit starts Python from the memory snapshot the first visit kept
(site_src/runtime/js/memory-snapshot.js): its cells print exactly what the build printed; a snapshot
of another runtime (a changed engine, another Pyodide build) is never used, and Python then starts
afresh and keeps a new one."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cells import cell, output_text, run
from site_server import PLAYGROUND, SITE_DIR, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The page whose cells the repeat visit runs: they train with the engine.
PAGE = "learning-rate/"
KEPT_SNAPSHOTS = """async () => {
  const cache = await caches.open('python-memory-snapshot');
  const kept = [];
  for (const request of await cache.keys()) kept.push([request.url, (await (await cache.match(request)).arrayBuffer()).byteLength]);
  return kept;
}"""


def python_started(page) -> list[str]:
    """The worker's loading steps (its `ready` reply's timeline), Python started by pointing at the first cell."""
    first = page.locator(".live-cell").first
    first.scroll_into_view_if_needed()
    expect(first).to_have_class(re.compile(r"\blive-cell--mounted\b"))
    first.hover()
    page.wait_for_function("() => liveCellsRuntime.ready", timeout=5_000)
    timeline = page.evaluate("async () => (await liveCellsRuntime.ready).timeline")
    return [step["step"] for step in timeline["steps"]]


def kept_snapshots(page, count: int = 1) -> list[list]:
    """[url, bytes] of the snapshots kept, once there are `count` (the worker stores one while numpy loads)."""
    page.wait_for_function(f"async () => (await ({KEPT_SNAPSHOTS})()).length === {count}", timeout=30_000)
    return page.evaluate(KEPT_SNAPSHOTS)


def visit(context, url: str):
    page = context.new_page()
    page.goto(url)
    return page


def test_a_repeat_visit_starts_python_from_the_snapshot_and_its_cells_print_what_the_build_printed(browser, site_url):
    context = browser.new_context()
    first = visit(context, site_url + PAGE)
    assert "loadPyodide" in python_started(first)  # started afresh
    [(_, size)] = kept_snapshots(first)
    assert size > 10_000_000, size  # the interpreter's memory
    first.close()

    repeat = visit(context, site_url + PAGE)
    steps = python_started(repeat)
    assert "loadPyodide from the snapshot" in steps and "loadPyodide" not in steps, steps
    cells = repeat.locator(".live-cell")
    for index in range(cells.count()):
        target = cells.nth(index)
        before = output_text(target)  # the build's output, shown before any Run
        assert run(target).startswith("Finished"), output_text(target)
        assert output_text(target) == before, f"{PAGE} cell {index + 1} after the snapshot printed\n{output_text(target)}\ninstead of\n{before}"
    context.close()


def deploy_with_a_changed_engine(site: Path, deploy: Path) -> None:
    """`site` linked into `deploy`, but with the engine's wheel changed (its bytes: a zip comment,
    the code the same) and the lock's sha256 for it, as a deploy of an edited engine changes both."""
    pyodide_dir = deploy / "runtime" / "pyodide"
    for source_dir, target_dir in ((site, deploy), (site / "runtime", deploy / "runtime"), (site / "runtime" / "pyodide", pyodide_dir)):
        target_dir.mkdir(exist_ok=True)
        for entry in source_dir.iterdir():
            if not (target_dir / entry.name).exists() and entry.name not in ("runtime", "pyodide", "pyodide-lock.json") and not entry.name.startswith("lesson-"):
                (target_dir / entry.name).symlink_to(entry)
    lock = json.loads((site / "runtime" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    wheel = pyodide_dir / lock["packages"]["lesson"]["file_name"]
    wheel.write_bytes((site / "runtime" / "pyodide" / wheel.name).read_bytes())
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.comment = b"deploy 2"
    lock["packages"]["lesson"]["sha256"] = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (pyodide_dir / "pyodide-lock.json").write_text(json.dumps(lock), encoding="utf-8")


def test_a_changed_engine_is_not_started_from_the_old_snapshot(browser, tmp_path):
    deploy = tmp_path / "site"
    deploy.mkdir()
    for entry in SITE_DIR.iterdir():
        (deploy / entry.name).symlink_to(entry)
    server, thread = serve(deploy)
    url = f"http://127.0.0.1:{server.server_address[1]}/{PLAYGROUND}"
    context = browser.new_context()
    first = visit(context, url)
    python_started(first)
    [(old_snapshot, _)] = kept_snapshots(first)
    first.close()

    (deploy / "runtime").unlink()  # the new deploy, at the same address
    deploy_with_a_changed_engine(SITE_DIR, deploy)
    after_deploy = visit(context, url)
    steps = python_started(after_deploy)
    assert "loadPyodide" in steps and "loadPyodide from the snapshot" not in steps, steps
    scratch = cell(after_deploy, "Scratch")
    before = output_text(scratch)
    assert run(scratch).startswith("Finished") and output_text(scratch) == before
    after_deploy.wait_for_function(f"async () => (await ({KEPT_SNAPSHOTS})()).every(([url]) => url !== {json.dumps(old_snapshot)})", timeout=30_000)
    [(new_snapshot, size)] = kept_snapshots(after_deploy)  # the old one deleted, one kept for the new engine
    assert new_snapshot != old_snapshot and size > 10_000_000
    context.close()
    server.shutdown()
    thread.join()


def test_a_snapshot_pyodide_refuses_is_deleted_and_python_starts_afresh(browser, site_url):
    """As after an update of Pyodide itself: its build id is checked when a snapshot is restored."""
    context = browser.new_context()
    first = visit(context, site_url + PLAYGROUND)
    python_started(first)
    [(snapshot_url, _)] = kept_snapshots(first)
    first.evaluate("""async (url) => {
      const cache = await caches.open('python-memory-snapshot');
      await cache.put(url, new Response(new Uint8Array(20 << 20)));  // no snapshot's magic number
    }""", snapshot_url)
    first.close()

    repeat = visit(context, site_url + PLAYGROUND)
    steps = python_started(repeat)
    assert "loadPyodide" in steps and "loadPyodide from the snapshot" not in steps, steps
    scratch = cell(repeat, "Scratch")
    before = output_text(scratch)
    assert run(scratch).startswith("Finished") and output_text(scratch) == before
    repeat.close()

    third = visit(context, site_url + PLAYGROUND)  # the snapshot kept in the refused one's place works
    assert "loadPyodide from the snapshot" in python_started(third)
    context.close()
