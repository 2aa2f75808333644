"""Every live cell executed at build time, in the reader's runtime, for its pre-rendered output.

For each page, the ``python-live`` cells run in Pyodide under Node (``PyodideHost.run_page``) in
page order in one namespace, each with its hidden setup, through the same ``livecells_runner``
the browser's worker uses. Their outputs are written to ``generated/cells.json`` keyed by
``chain_key`` (a cell's code after all the code above it), where the fence formatter finds them.
A page's run is cached by its cells' code, the engine sources and the runtime, so a prose edit
runs no cell. A cell that raises fails the build with ``docs/page.md:LINE`` unless its fence says
``raises``; a cell that says ``raises`` and does not raise fails it too.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from site_src.build.cache import ContentCache, cache_key, canonical_json, write_if_changed
from site_src.markdown.livecells import OUTPUTS_FILE, FencedCell, LiveCellOptionError, chain_key, iter_fences
from site_src.build.pages import markdown_pages
from site_src.project import DEFAULT_CELL_TIMEOUT


#: The build allows each cell this many times the page's time limit: its Pyodide under Node starts
#: cold and shares the machine with the experiments' Pyodide and the figures, a reader's does not.
BUILD_TIME_FACTOR = 2


class CellError(RuntimeError):
    """Live cells failed at build time; the message lists each with ``docs/page.md:LINE``."""


def page_cells(docs_dir: Path, generated_dir: Path) -> dict[str, list[FencedCell]]:
    """Every page's well-formed live cells, in order (``docs/<path>`` -> cells); pages without
    cells are left out. Malformed fences are reported by the plugin with their line."""
    pages = {}
    for page, text in markdown_pages(docs_dir, generated_dir).items():
        cells = [found for _, found in iter_fences(text) if not isinstance(found, LiveCellOptionError)]
        if cells:
            pages[page] = cells
    return pages


def error_line(cell: FencedCell, index: int, traceback_text: str) -> int:
    """The page line of the cell line where the error was raised (from its traceback); the fence
    line when the traceback names no line of this cell."""
    found = re.findall(rf'File "<cell {index}(?:: [^"]*)?(?P<setup> \(hidden setup\))?>", line (\d+)', traceback_text)
    if not found:
        return cell.line
    in_setup, line = found[-1]
    return cell.markdown_line(int(line), bool(in_setup))


class CellStep:
    """Runs (or takes from the cache) every page's live cells and writes ``cells.json``."""

    def __init__(self, docs_dir: Path, generated_dir: Path, cache: ContentCache, host,
                 runtime: Mapping[str, str], engine_hash: Callable[[str], str],
                 log: Callable[[str], None] = print, *, cell_timeout: float = DEFAULT_CELL_TIMEOUT) -> None:
        """``engine_hash(code)`` hashes the engine files that code depends on: a page's cells
        are rerun only when their own code, the runtime or those files change. ``cell_timeout`` is
        the page's time limit of a cell without a ``timeout`` option."""
        self.docs_dir, self.generated_dir = docs_dir, generated_dir
        self.cache, self.host, self.runtime, self.log = cache, host, dict(runtime), log
        self.engine_hash = engine_hash
        self.cell_timeout = cell_timeout
        self.files_written: list[Path] = []
        self.records: list[tuple[str, str, float]] = []  # (page, cache state, seconds)

    def run(self) -> set[str]:
        """Writes the outputs of every cell; returns the cache keys used. Raises CellError."""
        outputs, errors, keys = {}, [], set()
        for page, cells in page_cells(self.docs_dir, self.generated_dir).items():
            code = "\n".join(f"{c.setup}\n{c.code}" for c in cells)
            key = cache_key("cells", {"page": page, "cells": [[c.setup, c.code, c.options.title] for c in cells],
                                      "runtime": self.runtime, "engine": self.engine_hash(code)})
            keys.add(key)
            results = self._page_results(page, cells, key)
            previous = ""
            for index, (cell, result) in enumerate(zip(cells, results), start=1):
                previous = chain_key(previous, cell.setup, cell.code)
                outputs[previous] = {"ok": result["ok"], "items": result["items"]}
                problem = self._problem(page, index, cell, result)
                if problem:
                    errors.append(problem)
        if errors:
            raise CellError("\n".join(errors))
        path = self.generated_dir / OUTPUTS_FILE
        if write_if_changed(path, json.dumps(outputs, indent=1, sort_keys=True, ensure_ascii=False).encode() + b"\n"):
            self.files_written.append(path)
        return keys

    def _page_results(self, page: str, cells: list[FencedCell], key: str) -> list[dict]:
        cached, state = self.cache.lookup("cells", key)
        if cached is not None:
            self.log(f"assets: {'cells':<10} {page:<28} {'cached':<34} {0.0:6.2f} s")
            self.records.append((page, state, 0.0))
            return json.loads(cached)
        start = time.perf_counter()
        requests = [{"index": i, "title": c.options.title, "setup": c.setup, "code": c.code}
                    for i, c in enumerate(cells, start=1)]
        timeout = BUILD_TIME_FACTOR * sum(c.options.timeout or self.cell_timeout for c in cells)
        results = self.host.run_page(page, requests, timeout)
        self.cache.put("cells", key, canonical_json(results))
        seconds = time.perf_counter() - start
        outcome = f"computed ({len(cells)} cells, {'no entry' if state == 'absent' else state + ' entry replaced'})"
        self.log(f"assets: {'cells':<10} {page:<28} {outcome:<34} {seconds:6.2f} s")
        self.records.append((page, state, seconds))
        return results

    @staticmethod
    def _problem(page: str, index: int, cell: FencedCell, result: dict) -> str | None:
        if result["ok"] == (not cell.options.raises):
            return None
        if cell.options.raises:
            return (f"{page}:{cell.line}: live cell {index} is marked `raises` but ran without an error: "
                    "remove `raises` from its fence, or make it show the error it is meant to.")
        traceback_text = "".join(item.get("text", "") for item in result["items"] if item["kind"] == "stderr")
        line = error_line(cell, index, traceback_text)
        return (f"{page}:{line}: live cell {index} raised {result['error']}; fix the code, or add `raises` "
                f"to its fence if it is meant to end in an error. Its traceback:\n{traceback_text.rstrip()}")
